//go:build !linux

package main

import "syscall"

// childSysProcAttr: no parent-death signal outside Linux; the child checks
// its parent PID at start-up only.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{}
}
