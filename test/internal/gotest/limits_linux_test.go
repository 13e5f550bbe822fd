package gotest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLimitsHelper is a child of TestLimitsReachTest, not a test.
func TestLimitsHelper(t *testing.T) {
	helperOnly(t)
	var as, cpu syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &as); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Getrlimit(rlimitCPU, &cpu); err != nil {
		t.Fatal(err)
	}
	_, leaked := os.LookupEnv(limitsEnv)
	fmt.Printf("limits: as=%d cpu=%d/%d leaked=%v\n", as.Cur, cpu.Cur, cpu.Max, leaked)
}

// TestLimitsReachTest: the launcher sets the address-space and CPU limits
// on the test process before it execs it, and the variable that carried
// them does not reach the test.
func TestLimitsReachTest(t *testing.T) {
	res := runHelper(t, Spec{
		Bin: os.Args[0], Test: "TestLimitsHelper", Timeout: time.Minute,
		MemLimit: 1 << 30, CPULimit: 30 * time.Second,
		Env: []string{helperEnv + "=1"},
	})
	want := fmt.Sprintf("limits: as=%d cpu=30/31 leaked=false", int64(1<<30)+addressHeadroom)
	if !strings.Contains(res.Output, want) {
		t.Errorf("helper output lacks %q:\n%s", want, res.Output)
	}
}

// TestLimitsExecFailure: a test binary the launcher cannot exec is a run
// error naming the binary, not a test failure.
func TestLimitsExecFailure(t *testing.T) {
	bin := t.TempDir() + "/missing.test"
	res := Run(context.Background(), Spec{Bin: bin, Test: "TestA", Timeout: time.Minute, MemLimit: 1 << 30})
	if res.Status != Error || !strings.Contains(res.Reason, bin) {
		t.Errorf("status %q reason %q, want an error naming %s", res.Status, res.Reason, bin)
	}
}
