//go:build !linux

package main

import "time"

// busy is not known here.
type busy struct{}

// startBusy is not available here.
func startBusy() busy { return busy{} }

// others is always empty here.
func (busy) others(time.Duration) string { return "" }
