// Package ports declares what the core needs from outside: repositories, the
// unit of work, the clock and the id source. Adapters implement these
// interfaces; package porttest holds the conformance suite every storage
// adapter must pass.
package ports
