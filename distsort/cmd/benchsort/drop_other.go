//go:build !linux

package main

// dropCache is not available here: the disk read speed is not measured.
func dropCache(string) error { return errNoDrop }

// dirtyMB is not known here.
func dirtyMB() (float64, bool) { return 0, false }
