package main

import "syscall"

// childSysProcAttr makes the kernel SIGKILL the apiserver child when the
// parent dies (prctl PR_SET_PDEATHSIG), so a killed harness never leaves an
// apiserver behind. The signal is tied to the parent *thread* that forked;
// Go only retires threads that a goroutine locked and never unlocked, which
// this program does not do.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
