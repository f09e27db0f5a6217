//! Real servers installed from Debian's packages, started on loopback with free ports (or in a
//! network namespace of the test's own) and stopped by PID: Galera, chronyd, BIND, slapd, 389 DS, a
//! Samba AD DC, Icinga 2, Nagios 4 and NRPE; and the story's whole stack built from them.

pub mod bind;
pub mod chrony;
pub mod ds389;
pub mod galera;
pub mod icinga;
pub mod nagios;
pub mod samba;
pub mod slapd;
pub mod stack;
