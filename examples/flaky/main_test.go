package main

import (
	"context"
	"strings"
	"testing"
)

// The example recovers from every injected failure and logs each retry.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if got := strings.Count(s, "got \"asset page"); got != 4 {
		t.Fatalf("%d successful fetches, want 4:\n%s", got, s)
	}
	if !strings.Contains(s, "[Retry 1/2] GET /api/v1/assets/ (delay: ") || !strings.Contains(s, "503 Service Unavailable") {
		t.Fatalf("no retry line for the 503:\n%s", s)
	}
	if !strings.Contains(s, "8 requests served") {
		t.Fatalf("want 8 requests (every other one fails):\n%s", s)
	}
}
