package main

import (
	"sync/atomic"
	"testing"
)

// TestCacheWritesWaitForStart checks that writes handed over before Start
// are held, that Start runs them and those handed over after, and that
// Wait runs what nothing started.
func TestCacheWritesWaitForStart(t *testing.T) {
	var w cacheWrites
	var ran atomic.Int32
	w.Go(func() { ran.Add(1) })
	w.Go(func() { ran.Add(1) })
	if n := ran.Load(); n != 0 {
		t.Fatalf("%d writes ran before Start, want none", n)
	}
	w.Start()
	w.Go(func() { ran.Add(1) })
	w.wg.Wait()
	if n := ran.Load(); n != 3 {
		t.Fatalf("%d writes ran after Start, want 3", n)
	}

	var never cacheWrites
	never.Go(func() { ran.Add(1) })
	never.Wait()
	if n := ran.Load(); n != 4 {
		t.Errorf("Wait without Start ran %d writes in all, want 4", n)
	}
}
