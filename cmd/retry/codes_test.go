package main

import (
	"strings"
	"testing"
)

func TestParseCodes(t *testing.T) {
	tests := []struct {
		give    string
		want    string // canonical form; "" for an error
		wantErr string
	}{
		{give: "1", want: "1"},
		{give: "1,3-5", want: "1,3-5"},
		{give: " 5 , 1 ,2", want: "1,2,5"},
		{give: "3-3", want: "3"},
		{give: "1-3,2-4", want: "1-4"},
		{give: "254-255", want: "254,255"},
		{give: "1-255", want: "1-255"},
		{give: "", wantErr: "empty list"},
		{give: " ", wantErr: "empty list"},
		{give: "1,,2", wantErr: `"": want an exit status`},
		{give: "0", wantErr: "0 is success"},
		{give: "256", wantErr: "from 1 to 255"},
		{give: "99999999999999999999", wantErr: "from 1 to 255"},
		{give: "5-3", wantErr: "backwards"},
		{give: "-3", wantErr: `"-3": want an exit status`},
		{give: "3-", wantErr: `"3-": want an exit status`},
		{give: "+1", wantErr: "not an exit status"},
		{give: "1-2-3", wantErr: "not an exit status"},
		{give: "a", wantErr: `"a" is not an exit status`},
	}
	for _, tt := range tests {
		c, err := parseCodes(tt.give)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseCodes(%q) = %v, %v; want error with %q", tt.give, c, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.String() != tt.want {
			t.Errorf("parseCodes(%q) = %q, %v; want %q", tt.give, c.String(), err, tt.want)
		}
	}
}

func TestCodeSetHas(t *testing.T) {
	c, err := parseCodes("1,3-5,64,128-130,255")
	if err != nil {
		t.Fatal(err)
	}
	for n := -1; n <= 300; n++ {
		want := n == 1 || (n >= 3 && n <= 5) || n == 64 || (n >= 128 && n <= 130) || n == 255
		if c.has(n) != want {
			t.Errorf("has(%d) = %v", n, c.has(n))
		}
	}
	if (codeSet{}).has(0) || !(codeSet{}).empty() || c.empty() {
		t.Error("empty set")
	}
}

// FuzzParseCodes checks that the parser never panics and that what it
// accepts round-trips through the canonical form.
func FuzzParseCodes(f *testing.F) {
	for _, s := range []string{"1", "1,3-5", " 2 ,7-9", "0", "5-3", "1,,2", "255", "1-255", "-", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCodes(s)
		if err != nil {
			if !c.empty() {
				t.Errorf("parseCodes(%q) failed but returned %v", s, c)
			}
			return
		}
		if c.empty() || c.has(0) {
			t.Errorf("parseCodes(%q) = %q", s, c.String())
		}
		again, err := parseCodes(c.String())
		if err != nil || again != c {
			t.Errorf("round trip of %q: %q → %q, %v", s, c.String(), again.String(), err)
		}
	})
}
