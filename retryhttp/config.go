package retryhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/nop-platform/retry"
)

// LoadConfig reads a JSON policy file (see ParseConfig) and returns what it
// sets as one Option, for NewClient, NewTransport or New. Options given after
// it override the file's client-wide fields.
func LoadConfig(path string) (Option, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Option{}, fmt.Errorf("retryhttp: %w", err)
	}
	return parseConfig(data, path)
}

// ParseConfig reads a JSON policy from r; name (usually the file name) is
// used in errors, which give the name, line, entry and field of a bad value:
//
//	retryhttp: routes.json:9: routes[1].max_delay: "abc": not a number of seconds ("1.5") or a duration ("250ms")
//
// The top-level object sets the client's policy and its "routes" list sets
// per-route policies, each with a ServeMux "pattern":
//
//	{
//	  "max_retries": 3, "base_delay": "1s", "max_delay": "10s", "jitter": 0.3,
//	  "routes": [
//	    {"pattern": "GET /api/v1/assets/{id}", "max_retries": 5, "max_delay": "30s"},
//	    {"pattern": "POST /api/v1/scans", "idempotent": true, "statuses": [502, 503]},
//	    {"pattern": "/api/v1/login", "max_retries": 0}
//	  ]
//	}
//
// Every field is optional except a route's pattern; the fields are those of
// the options of the same names: max_retries (a whole number), base_delay,
// max_delay and attempt_timeout (a Go duration string such as "250ms", or a
// number of seconds), jitter (a number), idempotent (a boolean) and statuses
// (a list of status codes, see Statuses). Unknown and repeated fields are
// errors, as are conflicting patterns.
func ParseConfig(r io.Reader, name string) (Option, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Option{}, fmt.Errorf("retryhttp: %s: %w", name, err)
	}
	return parseConfig(data, name)
}

// configParser walks the JSON tokens, so that errors can give the line and
// repeated keys are caught.
type configParser struct {
	name string
	data []byte
	dec  *json.Decoder
}

func parseConfig(data []byte, name string) (Option, error) {
	p := &configParser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	opts, err := p.parse()
	if err != nil {
		return Option{}, err
	}
	return Options(opts...), nil
}

// errorf formats an error at byte offset off; path names the entry and field.
func (p *configParser) errorf(off int64, path, format string, args ...any) error {
	off = min(max(off, 0), int64(len(p.data)))
	for off < int64(len(p.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), p.data[off]) >= 0 {
		off++
	}
	line := 1 + bytes.Count(p.data[:off], []byte("\n"))
	if path != "" {
		path += ": "
	}
	return fmt.Errorf("retryhttp: %s:%d: %s"+format, append([]any{p.name, line, path}, args...)...)
}

// syntax turns a decoding error into an error with the position.
func (p *configParser) syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return p.errorf(se.Offset, "", "%v", err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return p.errorf(int64(len(p.data)), "", "unexpected end of JSON")
	}
	return p.errorf(p.dec.InputOffset(), "", "%v", err)
}

func (p *configParser) parse() ([]Option, error) {
	var opts, routes []Option
	var patterns []string
	var patternLines []int64
	err := p.object("", func(key string, off int64) error {
		if key != "routes" {
			o, err := p.field("", key, off)
			opts = append(opts, o...)
			return err
		}
		if err := p.delim('[', "routes", off); err != nil {
			return err
		}
		for i := 0; p.dec.More(); i++ {
			entry := fmt.Sprintf("routes[%d]", i)
			start := p.dec.InputOffset()
			pattern, ro, err := p.route(entry)
			if err != nil {
				return err
			}
			patterns = append(patterns, pattern)
			patternLines = append(patternLines, start)
			routes = append(routes, Route(pattern, ro...))
		}
		return p.delim(']', "routes", off)
	})
	if err != nil {
		return nil, err
	}
	if err := p.checkDelays(opts, 0, ""); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.errorf(p.dec.InputOffset(), "", "unexpected data after the top-level object")
	}
	if _, bad, other, err := buildMux(patterns); err != nil {
		path := fmt.Sprintf("routes[%d].pattern", bad)
		if other >= 0 {
			return nil, p.errorf(patternLines[bad], path, "%q conflicts with routes[%d].pattern %q: %v",
				patterns[bad], other, patterns[other], err)
		}
		return nil, p.errorf(patternLines[bad], path, "%q: %v", patterns[bad], err)
	}
	return append(opts, routes...), nil
}

// route parses one entry of "routes".
func (p *configParser) route(entry string) (string, []Option, error) {
	var opts []Option
	pattern, patternSet := "", false
	start := p.dec.InputOffset()
	err := p.object(entry, func(key string, off int64) error {
		if key != "pattern" {
			o, err := p.field(entry, key, off)
			opts = append(opts, o...)
			return err
		}
		raw, err := p.value()
		if err != nil {
			return err
		}
		if json.Unmarshal(raw, &pattern) != nil || pattern == "" {
			return p.errorf(off, entry+".pattern", "%s: must be a non-empty string", raw)
		}
		patternSet = true
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if !patternSet {
		return "", nil, p.errorf(start, entry, "no pattern")
	}
	if err := p.checkDelays(opts, start, entry); err != nil {
		return "", nil, err
	}
	return pattern, opts, nil
}

// checkDelays reports a base delay above the maximum in one object.
func (p *configParser) checkDelays(opts []Option, off int64, path string) error {
	s := settings{scope: scopeRoute}
	s.apply(opts)
	if s.pol.set&(fBase|fMax) == fBase|fMax && s.pol.base > s.pol.max {
		return p.errorf(off, path, "base_delay %v is above max_delay %v", s.pol.base, s.pol.max)
	}
	return nil
}

// object reads a JSON object, calling fn with each key and its offset; fn
// must consume the value.
func (p *configParser) object(path string, fn func(key string, off int64) error) error {
	off := p.dec.InputOffset()
	if err := p.delim('{', path, off); err != nil {
		return err
	}
	seen := map[string]bool{}
	in := path
	if in != "" {
		in += "."
	}
	for p.dec.More() {
		off := p.dec.InputOffset()
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		key := tok.(string) // the decoder guarantees a string key
		if seen[key] {
			return p.errorf(off, in+key, "repeated")
		}
		seen[key] = true
		if err := fn(key, off); err != nil {
			return err
		}
	}
	return p.delim('}', path, off)
}

// delim reads the delimiter d.
func (p *configParser) delim(d json.Delim, path string, off int64) error {
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(err)
	}
	if tok != d {
		what := "the top level"
		if path != "" {
			what = path
		}
		want := map[json.Delim]string{'{': "an object", '[': "a list"}[d]
		if want == "" {
			return p.errorf(off, path, "unexpected %v", tok)
		}
		return p.errorf(off, "", "%s must be %s", what, want)
	}
	return nil
}

// value reads one JSON value whole.
func (p *configParser) value() (json.RawMessage, error) {
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return nil, p.syntax(err)
	}
	return raw, nil
}

// field parses one policy field into options.
func (p *configParser) field(entry, key string, off int64) ([]Option, error) {
	path := key
	if entry != "" {
		path = entry + "." + key
	}
	raw, err := p.value()
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) ([]Option, error) {
		return nil, p.errorf(off, path, "%s: "+format, append([]any{raw}, args...)...)
	}
	switch key {
	case "max_retries":
		n, err := strconv.Atoi(string(raw))
		switch {
		case errors.Is(err, strconv.ErrRange) || err == nil && n > MaxMaxRetries:
			return bad("out of range (at most %d)", MaxMaxRetries)
		case err != nil:
			return bad("not a whole number")
		case n < 0:
			return bad("must not be negative")
		}
		return []Option{MaxRetries(n)}, nil
	case "base_delay", "max_delay", "attempt_timeout":
		d, msg := parseDuration(raw)
		if msg != "" {
			return bad("%s", msg)
		}
		switch key {
		case "base_delay":
			return []Option{BaseDelay(d)}, nil
		case "max_delay":
			return []Option{MaxDelay(d)}, nil
		}
		return []Option{AttemptTimeout(d)}, nil
	case "jitter":
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 10 {
			return bad("must be a number from 0 to 10")
		}
		return []Option{Jitter(f)}, nil
	case "idempotent":
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return bad("must be true or false")
		}
		return []Option{Idempotent(b)}, nil
	case "statuses":
		var codes []json.Number
		if json.Unmarshal(raw, &codes) != nil {
			return bad("must be a list of status codes")
		}
		ints := make([]int, len(codes))
		for i, c := range codes {
			n, err := strconv.Atoi(c.String())
			if err != nil || n < 100 || n > 599 {
				return bad("%s is not an HTTP status code", c)
			}
			ints[i] = n
		}
		return []Option{Statuses(ints...)}, nil
	}
	return nil, p.errorf(off, path, "unknown field")
}

// parseDuration reads a delay given as a duration string or a number of
// seconds; it returns a message for a bad value.
func parseDuration(raw json.RawMessage) (time.Duration, string) {
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, "not a string"
		}
	} else if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, `must be a duration ("250ms") or a number of seconds`
	}
	d, err := retry.ParseDelay(s)
	if err != nil {
		return 0, err.Error()
	}
	return d, ""
}
