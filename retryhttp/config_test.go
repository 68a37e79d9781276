package retryhttp_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nop-platform/retry/retryhttp"
)

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{"bad delay", `{"routes": [
			{"pattern": "/a"},
			{"pattern": "/b"},
			{"pattern": "/c",
			 "max_delay": "abc"}]}`,
			`retryhttp: routes.json:5: routes[2].max_delay: "abc": not a number of seconds ("1.5") or a duration ("250ms")`},
		{"negative delay", `{"base_delay": "-1s"}`, `retryhttp: routes.json:1: base_delay: "-1s": must not be negative`},
		{"delay type", `{"base_delay": true}`, `routes.json:1: base_delay: true: must be a duration ("250ms") or a number of seconds`},
		{"retries", `{"max_retries": 2.5}`, `routes.json:1: max_retries: 2.5: not a whole number`},
		{"negative retries", "{\n\"max_retries\": -1}", `routes.json:2: max_retries: -1: must not be negative`},
		{"jitter", `{"jitter": 11}`, `routes.json:1: jitter: 11: must be a number from 0 to 10`},
		{"idempotent", `{"routes": [{"pattern": "/", "idempotent": "yes"}]}`, `routes[0].idempotent: "yes": must be true or false`},
		{"statuses", `{"statuses": [503, 600]}`, `statuses: [503, 600]: 600 is not an HTTP status code`},
		{"statuses type", `{"statuses": 503}`, `statuses: 503: must be a list of status codes`},
		{"unknown field", `{"routes": [{"pattern": "/", "max_dely": "1s"}]}`, `routes.json:1: routes[0].max_dely: unknown field`},
		{"repeated field", `{"max_retries": 1, "max_retries": 2}`, `routes.json:1: max_retries: repeated`},
		{"no pattern", "{\"routes\": [\n{\"max_retries\": 1}]}", `routes.json:2: routes[0]: no pattern`},
		{"empty pattern", `{"routes": [{"pattern": ""}]}`, `routes[0].pattern: "": must be a non-empty string`},
		{"bad pattern", `{"routes": [{"pattern": "GET /x/{"}]}`, `routes[0].pattern: "GET /x/{": parsing "GET /x/{": at offset 7: bad wildcard segment`},
		{"conflict", "{\"routes\": [\n{\"pattern\": \"GET /a/{x}\"},\n{\"pattern\": \"GET /a/b\"},\n{\"pattern\": \"GET /{y}/b\"}]}",
			`routes.json:4: routes[2].pattern: "GET /{y}/b" conflicts with routes[0].pattern "GET /a/{x}": GET /{y}/b and GET /a/{x} both match some paths`},
		{"duplicate pattern", `{"routes": [{"pattern": "/a"}, {"pattern": "/a"}]}`, `routes[1].pattern: "/a" conflicts with routes[0].pattern "/a"`},
		{"base above max", `{"routes": [{"pattern": "/a", "base_delay": "5s", "max_delay": "1s"}]}`, `routes[0]: base_delay 5s is above max_delay 1s`},
		{"routes type", `{"routes": {}}`, `routes.json:1: routes must be a list`},
		{"route type", `{"routes": [1]}`, `routes.json:1: routes[0] must be an object`},
		{"top type", `[]`, `routes.json:1: the top level must be an object`},
		{"syntax", "{\n\"max_retries\": 1,,}", `routes.json:2: invalid character ',' looking for beginning of object key string`},
		{"truncated", `{"routes": [`, `routes.json:1: unexpected end of JSON`},
		{"trailing", `{} {}`, `routes.json:1: unexpected data after the top-level object`},
		{"empty", ``, `routes.json:1: unexpected end of JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := retryhttp.ParseConfig(strings.NewReader(tt.give), "routes.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\nwant it to contain\n%s", err, tt.want)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.json")
	if err := os.WriteFile(path, []byte(`{"max_retries": 1, "routes": [{"pattern": "/a", "max_delay": 2}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	opt, err := retryhttp.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := retryhttp.New(nil, opt); err != nil {
		t.Errorf("New with the loaded config: %v", err)
	}
	_, err = retryhttp.LoadConfig(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte(`{"max_delay": "x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := retryhttp.LoadConfig(path); err == nil || !strings.Contains(err.Error(), path+":1: max_delay") {
		t.Errorf("bad file: %v, want the path in the error", err)
	}
}

// A config that parses builds a transport: the parser's checks cover
// everything New checks of it.
func FuzzParseConfig(f *testing.F) {
	f.Add(`{"max_retries": 3, "base_delay": "1s", "max_delay": 10, "jitter": 0.3,
		"routes": [{"pattern": "GET /api/v1/assets/{id}", "max_retries": 5, "statuses": [503]},
		{"pattern": "example.com/", "idempotent": true, "attempt_timeout": "2s"}]}`)
	f.Add(`{"routes": [{"pattern": "GET /a/{x}"}, {"pattern": "GET /{y}/b"}]}`)
	f.Add(`{"base_delay": "5s", "max_delay": "1s"}`)
	f.Add(`{"routes": [{"pattern": "/{x...}"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		opt, err := retryhttp.ParseConfig(strings.NewReader(s), "f.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "retryhttp: f.json:") {
				t.Errorf("error without the file name: %v", err)
			}
			return
		}
		if _, err := retryhttp.New(nil, opt, retryhttp.BaseDelay(0)); err != nil {
			t.Errorf("config parsed but New failed: %v\n%s", err, s)
		}
	})
}
