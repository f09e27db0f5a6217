//! The Icinga 2 validation helper rejects what Icinga rejects (so the CheckCommand tests can fail).

use hastack_test_support::servers::icinga::validate;
use hastack_test_support::tempdir;

#[test]
fn a_misspelt_attribute_is_rejected_and_a_good_command_accepted() {
    let dir = tempdir().expect("tempdir");
    let good = dir.path().join("good.conf");
    std::fs::write(&good, "object CheckCommand \"x\" {\n command = [ PluginContribDir + \"/x\" ]\n arguments = { \"-a\" = { value = \"$x_a$\"; description = \"a\" } }\n}\n").expect("write");
    validate(&[&good], dir.path()).expect("a valid CheckCommand");
    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, "object CheckCommand \"y\" {\n command = [ PluginContribDir + \"/y\" ]\n arguments = { \"-a\" = { value = \"$y_a$\"; descripton = \"a\" } }\n}\n").expect("write");
    let err = validate(&[&bad], dir.path()).expect_err("misspelt attribute");
    assert!(err.contains("descripton"), "{err}");
}
