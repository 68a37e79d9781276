package promretry_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nop-platform/retry/promretry"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
)

// setup returns Metrics registered with a registry of their own.
func setup(t *testing.T, opts ...promretry.Option) (*promretry.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	m, err := promretry.New(reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// series returns the series of g in the text format, one a line, without
// comments, histogram buckets or series at 0, sorted: what the tests
// compare exactly.
func series(t *testing.T, g prometheus.Gatherer, names ...string) []string {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, f := range families {
		if len(names) == 0 || slices.Contains(names, f.GetName()) {
			if _, err := expfmt.MetricFamilyToText(&out, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	var lines []string
	for line := range strings.Lines(out.String()) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.Contains(line, "_bucket{") || strings.HasSuffix(line, " 0") {
			continue
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines
}

// wantSeries fails t unless g's series (see series) are want.
func wantSeries(t *testing.T, g prometheus.Gatherer, want []string, names ...string) {
	t.Helper()
	got := series(t, g, names...)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("series:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// count returns how many series of name g has, those at 0 included.
func count(t *testing.T, g prometheus.Gatherer, name string) int {
	t.Helper()
	n, err := testutil.GatherAndCount(g, name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
