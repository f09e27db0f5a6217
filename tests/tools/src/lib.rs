//! The suite's tools, built on test support's real servers: `demo` (the story's stack and a real
//! Icinga 2 running every plugin through the shipped CheckCommands) and `bench` (side by side
//! with the C monitoring-plugins and the servers' own clients). Their code is in `src/bin/`.
