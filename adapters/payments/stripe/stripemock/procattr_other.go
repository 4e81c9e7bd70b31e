//go:build !linux

package stripemock

import "os/exec"

// setParentDeath does nothing here: only Linux has a parent-death signal.
// A killed test process leaves the server running until it is stopped by
// hand.
func setParentDeath(*exec.Cmd) {}
