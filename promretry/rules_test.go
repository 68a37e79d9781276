package promretry_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"
)

// family is what the tests know of one metric.
type family struct {
	typ       dto.MetricType
	histogram bool
	labels    []string
}

// families returns every metric that Metrics exports, with its type and
// labels, found by exercising each kind of metric and gathering; it fails
// t if Describe announces a metric that was not gathered.
func families(t *testing.T) map[string]family {
	t.Helper()
	m, reg := setup(t)
	m.Notify(retry.Event{Kind: retry.EventRetry, Name: "op", Delay: time.Second})
	m.OnStateChange("cb", breaker.Closed, breaker.Open)
	b, err := budget.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Budget("b", b); err != nil {
		t.Fatal(err)
	}
	l, err := limit.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Limiter("l", l); err != nil {
		t.Fatal(err)
	}
	rt := m.Transport(retryhttp.NewTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})))
	req, _ := http.NewRequest("GET", "http://h/", nil)
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}

	gathered, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]family)
	for _, f := range gathered {
		var labels []string
		for _, l := range f.GetMetric()[0].GetLabel() {
			labels = append(labels, l.GetName())
		}
		out[f.GetName()] = family{typ: f.GetType(), histogram: f.GetType() == dto.MetricType_HISTOGRAM, labels: labels}
	}
	descs := make(chan *prometheus.Desc, 64)
	m.Describe(descs)
	close(descs)
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	n := 0
	for d := range descs {
		n++
		name := fqName.FindStringSubmatch(d.String())[1]
		if _, ok := out[name]; !ok {
			t.Errorf("%s is described but was not gathered: exercise it in families", name)
		}
	}
	if n != len(out) {
		t.Errorf("%d metrics described, %d gathered", n, len(out))
	}
	return out
}

var (
	metricName = regexp.MustCompile(`\b(?:retry|circuit_breaker)_[A-Za-z0-9_]*`)
	selector   = regexp.MustCompile(`\b((?:retry|circuit_breaker)_[A-Za-z0-9_]*)\s*\{([^}]*)\}`)
	matcher    = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)`)
)

// checkExpr fails t unless every metric expr uses is exported (a
// histogram's with _bucket, _sum or _count), with labels it has, and its
// brackets balance.
func checkExpr(t *testing.T, where, expr string, known map[string]family, used map[string]bool) {
	t.Helper()
	resolve := func(name string) (family, string, bool) {
		if f, ok := known[name]; ok {
			return f, name, true
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok {
				if f, ok := known[base]; ok && f.histogram {
					if suffix == "_bucket" {
						f.labels = append(slices.Clone(f.labels), "le")
					}
					return f, base, true
				}
			}
		}
		return family{}, "", false
	}
	names := metricName.FindAllString(expr, -1)
	if len(names) == 0 {
		t.Errorf("%s: no metric of ours in %q", where, expr)
	}
	for _, name := range names {
		_, base, ok := resolve(name)
		if !ok {
			t.Errorf("%s: %s is not a metric of promretry: %q", where, name, expr)
			continue
		}
		used[base] = true
	}
	for _, sel := range selector.FindAllStringSubmatch(expr, -1) {
		f, _, ok := resolve(sel[1])
		if !ok {
			continue
		}
		for _, l := range matcher.FindAllStringSubmatch(sel[2], -1) {
			if !slices.Contains(f.labels, l[1]) {
				t.Errorf("%s: %s has no label %q: %q", where, sel[1], l[1], expr)
			}
		}
	}
	depth := map[rune]int{}
	pairs := map[rune]rune{')': '(', '}': '{', ']': '['}
	for _, r := range expr {
		switch r {
		case '(', '{', '[':
			depth[r]++
		case ')', '}', ']':
			depth[pairs[r]]--
		}
	}
	for r, d := range depth {
		if d != 0 {
			t.Errorf("%s: unbalanced %c in %q", where, r, expr)
		}
	}
}

func TestAlertRules(t *testing.T) {
	known := families(t)
	data, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Record      string            `yaml:"record"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	if len(file.Groups) == 0 {
		t.Fatal("alerts.yml: no groups")
	}
	used := make(map[string]bool)
	seen := make(map[string]bool)
	for _, g := range file.Groups {
		if g.Name == "" || seen[g.Name] || len(g.Rules) == 0 {
			t.Errorf("group %q: empty, unnamed or named twice", g.Name)
		}
		seen[g.Name] = true
		for _, r := range g.Rules {
			where := "alerts.yml: " + g.Name + "/" + r.Alert + r.Record
			switch {
			case (r.Alert == "") == (r.Record == ""):
				t.Errorf("%s: a rule needs alert or record, not both", where)
			case r.Alert != "" && (r.Labels["severity"] == "" || r.Annotations["summary"] == ""):
				t.Errorf("%s: an alert needs a severity label and a summary", where)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for: %v", where, err)
				}
			}
			checkExpr(t, where, r.Expr, known, used)
		}
	}
}

func TestDashboard(t *testing.T) {
	known := families(t)
	data, err := os.ReadFile("dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if dash["title"] == "" || dash["uid"] == "" {
		t.Error("dashboard.json: no title or uid")
	}
	// Every PromQL expression: panel targets, and template variable queries.
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || k == "definition") {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(dash)
	if len(exprs) < 10 {
		t.Fatalf("dashboard.json: %d expressions found", len(exprs))
	}
	used := make(map[string]bool)
	for _, e := range exprs {
		checkExpr(t, "dashboard.json", e, known, used)
	}
	for name := range known {
		if !used[name] {
			t.Errorf("dashboard.json shows nothing of %s", name)
		}
	}
	ids := make(map[float64]bool)
	for _, p := range dash["panels"].([]any) {
		id := p.(map[string]any)["id"].(float64)
		if ids[id] {
			t.Errorf("dashboard.json: panel id %v twice", id)
		}
		ids[id] = true
	}
}

// The metric names follow the conventions: a prefix of ours, and _total
// exactly on counters.
func TestMetricNames(t *testing.T) {
	for name, f := range families(t) {
		if !strings.HasPrefix(name, "retry_") && !strings.HasPrefix(name, "circuit_breaker_") {
			t.Errorf("%s: not named retry_ or circuit_breaker_", name)
		}
		if strings.HasSuffix(name, "_total") != (f.typ == dto.MetricType_COUNTER) {
			t.Errorf("%s: a %v; counters, and only they, end in _total", name, f.typ)
		}
	}
}
