//! The 389 Directory Server of test support: it starts from its seed, with 389's stock limits,
//! and holds the users and groups the tests count.

use hastack_test_support::servers::ds389::{Ds389, EVERYONE, PEOPLE, READER_DN, READER_PASSWORD};

fn reader_search(ds: &Ds389, extra: &[&str]) -> (i32, usize) {
    let out = std::process::Command::new("ldapsearch")
        .args([
            "-x",
            "-H",
            &ds.uri(),
            "-D",
            READER_DN,
            "-w",
            READER_PASSWORD,
            "-b",
            PEOPLE,
        ])
        .args(extra)
        .args(["-LLL", "(uid=*)", "1.1"])
        .output()
        .expect("ldapsearch");
    let dns = String::from_utf8_lossy(&out.stdout).matches("dn: ").count();
    (out.status.code().unwrap_or(-1), dns)
}

#[test]
fn a_copy_of_the_seed_answers_with_389s_stock_limits() {
    let ds = Ds389::start().unwrap_or_else(|e| panic!("389: {e}"));
    // nsslapd-sizelimit 2000: an unpaged search stops there with result 4, and so does a
    // page of 2000; pages of 1999 count all 3001.
    assert_eq!(reader_search(&ds, &[]), (4, 2000));
    assert_eq!(reader_search(&ds, &["-E", "pr=1999/noprompt"]), (0, 3001));
    let members = ds
        .search(&["-b", EVERYONE, "-s", "base", "member"])
        .expect("the big group");
    assert_eq!(members.matches("member: ").count(), 90_000);
    // Limits change at once.
    ds.modify(
        "dn: cn=config\nchangetype: modify\nreplace: nsslapd-sizelimit\nnsslapd-sizelimit: 100\n",
    )
    .expect("modify");
    assert_eq!(reader_search(&ds, &[]), (4, 100));
}
