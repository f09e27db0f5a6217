//! The story's HA stack on loopback, for the demo and the end-to-end tests: a 3-node Galera
//! cluster whose node3 clock is 1900 s ahead, two chronyd (one as wrong), a Consul stand-in
//! with a BIND forwarder, an OpenLDAP limited like AD with 2500 users, and the inventory
//! Terraform wrote; plus the Icinga 2 services that watch it, each with what it must report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::harness::system::faketime_env;
use crate::scripted::consul::ConsulAgent;
use crate::servers::bind::Forwarder;
use crate::servers::chrony::{Chrony, NtpServer};
use crate::servers::galera::{GaleraCluster, MONITOR_PASSWORD, MONITOR_USER};
use crate::servers::slapd::{
    Directory, READER_DN, READER_PASSWORD, ROOT_DN, ROOT_PASSWORD, Slapd, USERS,
};

/// An Icinga 2 service of the stack and what it must report.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub command: String,
    /// Custom variables: (name, Icinga DSL value).
    pub vars: Vec<(String, String)>,
    pub expect_state: i64,
    /// The start of the output's first line.
    pub expect_output: String,
    /// Text the first line must also hold (a measured number varies; who is named does not).
    pub expect_contains: Option<String>,
    /// Perfdata labels that must be there.
    pub expect_labels: Vec<String>,
    /// A password that must never appear in the command line Icinga ran.
    pub secret: Option<String>,
}

/// The services being listed, each with what it must report.
#[derive(Default)]
struct Services(Vec<Service>);

impl Services {
    fn add(
        &mut self,
        name: &str,
        command: &str,
        vars: Vec<(&str, String)>,
        (state, output): (i64, String),
        labels: &[&str],
        secret: Option<&str>,
    ) {
        self.0.push(Service {
            name: name.into(),
            command: command.into(),
            vars: vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            expect_state: state,
            expect_output: output,
            expect_contains: None,
            expect_labels: labels.iter().map(|l| l.to_string()).collect(),
            secret: secret.map(str::to_string),
        });
    }
}

/// A string in Icinga's DSL.
fn s(text: &str) -> String {
    quote(text)
}

/// A path in Icinga's DSL.
fn path(p: &Path) -> String {
    quote(&p.display().to_string())
}

/// The running servers; everything stops when it drops.
pub struct Stack {
    pub galera: GaleraCluster,
    pub ntp_good: NtpServer,
    pub ntp_ahead: NtpServer,
    pub chrony: NtpServer,
    pub consul: ConsulAgent,
    pub forwarder: Forwarder,
    pub ldap: Slapd,
    files: tempfile::TempDir,
}

/// The inventory Terraform wrote in resource-creation order, and the fixed one.
pub const INVENTORY_BAD: &str = "[monitoring_servers]\nmon1 ansible_host=10.0.0.10\nweb1 ansible_host=10.0.0.21\nweb2 ansible_host=10.0.0.22\n\n[webservers]\n";
pub const INVENTORY_GOOD: &str = "[monitoring_servers]\nmon1 ansible_host=10.0.0.10\n\n[webservers]\nweb1 ansible_host=10.0.0.21\nweb2 ansible_host=10.0.0.22\n";
pub const TERRAFORM_OUTPUT: &str = r#"{"monitoring_ip": {"sensitive": false, "type": "string", "value": "10.0.0.10"},
 "web_ips": {"sensitive": false, "type": ["list", "string"], "value": ["10.0.0.21", "10.0.0.22"]}}"#;

impl Stack {
    /// Start everything; `progress` hears about each slow step.
    pub fn start(mut progress: impl FnMut(&str)) -> Result<Stack, String> {
        let started = Instant::now();
        progress("starting a 3-node Galera cluster (node3's clock 1900 s ahead)");
        let faketime = faketime_env("+1900s")?;
        let galera = GaleraCluster::start_with_env(3, |i| match i {
            2 => faketime.clone(),
            _ => Vec::new(),
        })?;
        progress(&format!(
            "Galera cluster up after {:.1} s; starting chronyd, BIND, slapd",
            started.elapsed().as_secs_f64()
        ));
        let ntp_good = NtpServer::start()?;
        let ntp_ahead = NtpServer::start_shifted("+1900s")?;
        // A chronyd following the good one, its monitoring port open: chronyd's own view.
        let chrony = NtpServer::start_chrony(&Chrony {
            sources: vec![ntp_good.socket_addr()],
            command_port: true,
            ..Chrony::default()
        })?;
        chrony.await_sync()?;
        let consul = ConsulAgent::start()?;
        let forwarder = Forwarder::start(consul.port())?;
        let ldap = Slapd::start(Directory {
            users: 2500,
            ..Directory::default()
        })?;
        let files = tempfile::tempdir().map_err(|e| e.to_string())?;
        for (name, text) in [
            ("hosts.ini", INVENTORY_BAD),
            ("hosts-fixed.ini", INVENTORY_GOOD),
            ("terraform-output.json", TERRAFORM_OUTPUT),
        ] {
            std::fs::write(files.path().join(name), text).map_err(|e| e.to_string())?;
        }
        progress(&format!(
            "all servers up after {:.1} s",
            started.elapsed().as_secs_f64()
        ));
        Ok(Stack {
            galera,
            ntp_good,
            ntp_ahead,
            chrony,
            consul,
            forwarder,
            ldap,
            files,
        })
    }

    /// Where the galera services keep what their next run compares with (`--state-dir`).
    pub fn state_dir(&self) -> PathBuf {
        self.file("state")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.files.path().join(name)
    }

    /// The services that watch the stack, healthy and broken, with what each must report.
    pub fn services(&self) -> Vec<Service> {
        let mut services = Services::default();
        self.galera_services(&mut services);
        self.clock_services(&mut services);
        self.consul_services(&mut services);
        self.ldap_services(&mut services);
        self.inventory_services(&mut services);
        // The measured skew varies by microseconds; the node it names does not.
        if let Some(cluster) = services.0.iter_mut().find(|s| s.name == "galera-cluster") {
            cluster.expect_contains = Some("s between node3 and node".into());
        }
        services.0
    }

    /// A node, and the whole cluster with node3's clock 1900 s ahead.
    fn galera_services(&self, services: &mut Services) {
        let node = |i: usize| self.galera.node(i);
        services.add(
            "galera-node1",
            "galera",
            vec![
                ("galera_host", s("127.0.0.1")),
                ("galera_port", node(0).port.to_string()),
                ("galera_user", s(MONITOR_USER)),
                ("galera_password", s(MONITOR_PASSWORD)),
                ("galera_expected_size", "3".into()),
                ("galera_state_dir", path(&self.state_dir())),
            ],
            (0, "GALERA OK - ".into()),
            &[
                "cluster_size",
                "local_state",
                "flow_control_paused_since_start",
            ],
            Some(MONITOR_PASSWORD),
        );
        services.add(
            "galera-cluster",
            "galera",
            vec![
                ("galera_user", s(MONITOR_USER)),
                ("galera_password", s(MONITOR_PASSWORD)),
                (
                    "galera_nodes",
                    array(
                        &(0..3)
                            .map(|i| format!("node{}={}", i + 1, node(i).addr()))
                            .collect::<Vec<_>>(),
                    ),
                ),
                ("galera_skew_warning", s("1")),
                ("galera_skew_critical", s("5")),
                ("galera_state_dir", path(&self.state_dir())),
            ],
            (2, "GALERA CRITICAL - clock skew 1".into()),
            &["clock_skew", "nodes_reachable", "last_committed_spread"],
            Some(MONITOR_PASSWORD),
        );
    }

    /// A good server, chronyd's view, and the clocks of two servers compared.
    fn clock_services(&self, services: &mut Services) {
        services.add(
            "clock-good",
            "clock_skew",
            vec![("clock_skew_hosts", array(&[self.ntp_good.addr()]))],
            (0, "CLOCK SKEW OK - offset ".into()),
            &["offset", "delay", "stratum", "jitter"],
            None,
        );
        services.add(
            "clock-chrony",
            "clock_skew",
            vec![
                ("clock_skew_hosts", "[]".into()),
                (
                    "clock_skew_chrony",
                    s(&format!("127.0.0.1:{}", self.chrony.cmd_port.unwrap_or(0))),
                ),
            ],
            (
                0,
                "CLOCK SKEW OK - chronyd synchronised to 127.0.0.1 (stratum 9), system time "
                    .into(),
            ),
            &["chrony_offset", "chrony_root_distance", "chrony_usable"],
            None,
        );
        services.add(
            "clock-nodes",
            "clock_skew",
            vec![(
                "clock_skew_hosts",
                array(&[self.ntp_good.addr(), self.ntp_ahead.addr()]),
            )],
            (
                2,
                format!(
                    "CLOCK SKEW CRITICAL - clocks of {} and {} differ by 1900.0 s",
                    self.ntp_ahead.addr(),
                    self.ntp_good.addr()
                ),
            ),
            &["skew"],
            None,
        );
    }

    /// The agent, the forwarder, and a service nobody registered.
    fn consul_services(&self, services: &mut Services) {
        services.add(
            "consul-agent",
            "consul_dns",
            vec![
                ("consul_dns_servers", array(&[self.consul.addr()])),
                ("consul_dns_service", s("galeradb")),
                ("consul_dns_instances_warning", s("3:")),
                ("consul_dns_instances_critical", s("1:")),
            ],
            (0, "CONSUL DNS OK - 3 instances of galeradb from ".into()),
            &["instances", "time"],
            None,
        );
        services.add(
            "consul-forwarder",
            "consul_dns",
            vec![
                ("consul_dns_servers", array(&[self.forwarder.addr()])),
                ("consul_dns_service", s("galeradb")),
                ("consul_dns_query_type", s("SRV")),
                (
                    "consul_dns_expect",
                    array(&["127.0.0.11:3306".to_string(), "127.0.0.13:3306".to_string()]),
                ),
                (
                    "consul_dns_also_resolve",
                    array(&["www.example.org".to_string()]),
                ),
            ],
            (0, "CONSUL DNS OK - 3 instances of galeradb from ".into()),
            &["instances", "time"],
            None,
        );
        services.add(
            "consul-unknown-service",
            "consul_dns",
            vec![
                ("consul_dns_servers", array(&[self.forwarder.addr()])),
                ("consul_dns_service", s("nosuch")),
            ],
            (
                2,
                "CONSUL DNS CRITICAL - no healthy instance of nosuch".into(),
            ),
            &["instances", "time"],
            None,
        );
    }

    /// slapd limited like AD: unpaged searches cut at 1000, the paged count whole.
    fn ldap_services(&self, services: &mut Services) {
        services.add(
            "ldap-reader",
            "ldap_paging",
            vec![
                ("ldap_paging_uri", s(&self.ldap.uri())),
                ("ldap_paging_starttls", "true".into()),
                ("ldap_paging_tls_ca", path(self.ldap.ca())),
                ("ldap_paging_bind_dn", s(READER_DN)),
                ("ldap_paging_password", s(READER_PASSWORD)),
                ("ldap_paging_base", s(USERS)),
                ("ldap_paging_filter", s("(objectClass=inetOrgPerson)")),
            ],
            (
                1,
                "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries".into(),
            ),
            &["entries", "unpaged_entries", "pages", "time"],
            Some(READER_PASSWORD),
        );
        // The options AD admins use, through the CheckCommand: one user's objectClass values
        // counted (range retrieval), the paged path proven, the certificate's days judged.
        services.add("ldap-attribute", "ldap_paging", vec![
                ("ldap_paging_uri", s(&self.ldap.uri())),
                ("ldap_paging_starttls", "true".into()),
                ("ldap_paging_tls_ca", path(self.ldap.ca())),
                ("ldap_paging_tls_accept_cn", "true".into()),
                ("ldap_paging_cert_warning", s("1:")),
                ("ldap_paging_bind_dn", s(READER_DN)),
                ("ldap_paging_password", s(READER_PASSWORD)),
                ("ldap_paging_base", s(USERS)),
                ("ldap_paging_filter", s("(uid=user000001)")),
                ("ldap_paging_attribute", s("objectClass")),
                ("ldap_paging_always_page", "true".into()),
            ], (0, "LDAP PAGING OK - 1 value of objectClass on 1 entry under ou=users,dc=example,dc=com"
                .into()), &[
                "entries",
                "pages",
                "values",
                "plain_values",
                "certificate_days",
            ], Some(READER_PASSWORD));
        services.add(
            "ldap-rootdn",
            "ldap_paging",
            vec![
                ("ldap_paging_host", s("127.0.0.1")),
                ("ldap_paging_port", self.ldap.port.to_string()),
                ("ldap_paging_bind_dn", s(ROOT_DN)),
                ("ldap_paging_password", s(ROOT_PASSWORD)),
                ("ldap_paging_base", s(USERS)),
                ("ldap_paging_filter", s("(objectClass=inetOrgPerson)")),
            ],
            (0, "LDAP PAGING OK - 2500 entries under ".into()),
            &["entries", "unpaged_entries", "pages", "time"],
            Some(ROOT_PASSWORD),
        );
    }

    /// The inventory Terraform wrote, and the fixed one.
    fn inventory_services(&self, services: &mut Services) {
        let inventory = |file: &str, order: bool| {
            let mut vars = vec![
                ("split_order_inventory", path(&self.file(file))),
                (
                    "split_order_groups",
                    array(&[
                        "monitoring_servers=1:1".to_string(),
                        "webservers=2:".to_string(),
                    ]),
                ),
                (
                    "split_order_terraform_output",
                    path(&self.file("terraform-output.json")),
                ),
                (
                    "split_order_maps",
                    array(&[
                        "monitoring_ip=monitoring_servers".to_string(),
                        "web_ips=webservers".to_string(),
                    ]),
                ),
            ];
            if order {
                vars.push(("split_order_order", s("monitoring_servers,webservers")));
            }
            vars
        };
        services.add(
            "inventory-story",
            "split_order",
            inventory("hosts.ini", true),
            (2, "SPLIT ORDER CRITICAL - [webservers] is empty".into()),
            &[
                "hosts",
                "groups",
                "monitoring_servers_hosts",
                "webservers_hosts",
            ],
            None,
        );
        services.add(
            "inventory-fixed",
            "split_order",
            inventory("hosts-fixed.ini", true),
            (0, "SPLIT ORDER OK - ".into()),
            &["hosts", "groups"],
            None,
        );
        // No split_order_order: Icinga must leave --order out, not pass --order ''.
        services.add(
            "inventory-fixed-no-order",
            "split_order",
            inventory("hosts-fixed.ini", false),
            (0, "SPLIT ORDER OK - ".into()),
            &["hosts", "groups"],
            None,
        );
    }
}

/// Icinga objects for `services` on host `host` (zone `zone` when set), each checked with
/// `command_endpoint` when given.
pub fn icinga_objects(
    services: &[Service],
    host: &str,
    zone: Option<&str>,
    command_endpoint: Option<&str>,
) -> String {
    let zone_line = zone
        .map(|z| format!("\tzone = \"{z}\"\n"))
        .unwrap_or_default();
    let mut out = format!(
        "object Host \"{host}\" {{\n\tcheck_command = \"dummy\"\n\tenable_active_checks = false\n\taddress = \"127.0.0.1\"\n{zone_line}}}\n"
    );
    for service in services {
        out.push_str(&format!(
            "object Service \"{}\" {{\n\thost_name = \"{host}\"\n\tcheck_command = \"{}\"\n\tcheck_interval = 1h\n\tretry_interval = 1h\n{zone_line}",
            service.name, service.command
        ));
        if let Some(endpoint) = command_endpoint {
            out.push_str(&format!("\tcommand_endpoint = \"{endpoint}\"\n"));
        }
        for (name, value) in &service.vars {
            out.push_str(&format!("\tvars.{name} = {value}\n"));
        }
        out.push_str("}\n");
    }
    out
}

/// An Icinga DSL string literal.
pub fn quote(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('$', "$$")
    )
}

fn array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[ {} ]", quoted.join(", "))
}
