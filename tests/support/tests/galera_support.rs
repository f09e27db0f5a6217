//! The Galera test cluster itself comes up Synced and reports size 3 (guards the plugin tests'
//! premise).

use hastack_test_support::servers::galera::GaleraCluster;

#[test]
fn three_node_cluster_comes_up_synced() {
    let started = std::time::Instant::now();
    let cluster = GaleraCluster::start(3).expect("cluster");
    eprintln!("cluster up in {:?}", started.elapsed());
    for node in &cluster.nodes {
        assert_eq!(
            node.status("wsrep_cluster_size").as_deref(),
            Some("3"),
            "{}",
            node.name
        );
        assert_eq!(
            node.status("wsrep_cluster_status").as_deref(),
            Some("Primary")
        );
    }
}
