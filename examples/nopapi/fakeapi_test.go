package nopapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeAPI is a local NOP API that injects failures: a queue of faults per
// route ("GET /api/v1/assets/"), each served to one request before the
// route answers normally again. It counts the requests of each route.
type fakeAPI struct {
	*httptest.Server
	token  string
	assets []Asset
	access []Access

	mu     sync.Mutex
	faults map[string][]fault
	hits   map[string]int
}

// fault is one injected failure.
type fault struct {
	status int           // reply with this status and a JSON detail
	header []string      // with these header fields (name, value pairs)
	hangup bool          // close the connection without a response
	delay  time.Duration // wait first (or until the client goes away)
}

var (
	unavailable = fault{status: http.StatusServiceUnavailable}
	hangup      = fault{hangup: true}
)

const (
	testUser, testPassword, testToken = "admin", "secret", "tok-123"
)

// newFakeAPI starts a fake API with n assets.
func newFakeAPI(t *testing.T, n int) *fakeAPI {
	f := &fakeAPI{token: testToken, faults: map[string][]fault{}, hits: map[string]int{}}
	for i := range n {
		status := "online"
		if i%3 == 2 {
			status = "offline"
		}
		f.assets = append(f.assets, Asset{ID: strconv.Itoa(i + 1), IPAddress: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1),
			Hostname: fmt.Sprintf("host-%d", i+1), Status: status, OpenPorts: []int{22}})
	}
	f.access = []Access{{ID: "a1", AssetID: "1", Protocol: "ssh", Port: 22, Username: "ops"},
		{ID: "a2", AssetID: "2", Protocol: "snmp", Port: 161}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/login", f.login)
	mux.HandleFunc("GET /api/v1/assets/{$}", f.authed(f.listAssets))
	mux.HandleFunc("GET /api/v1/access/{$}", f.authed(func(w http.ResponseWriter, _ *http.Request) { reply(w, 200, f.access) }))
	mux.HandleFunc("GET /api/v1/access/{id}", f.authed(f.getAccess))
	mux.HandleFunc("GET /api/v1/dashboard/stats", f.authed(f.stats))
	f.Server = httptest.NewServer(f.inject(mux))
	t.Cleanup(f.Close)
	return f
}

// add queues faults for route, such as "GET /api/v1/assets/".
func (f *fakeAPI) add(route string, faults ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[route] = append(f.faults[route], faults...)
}

// count returns the requests route received.
func (f *fakeAPI) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[route]
}

func (f *fakeAPI) inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.hits[route]++
		var ft fault
		if q := f.faults[route]; len(q) > 0 {
			ft, f.faults[route] = q[0], q[1:]
		}
		f.mu.Unlock()
		if ft.delay > 0 {
			select {
			case <-time.After(ft.delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case ft.hangup:
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
		case ft.status != 0:
			for i := 0; i+1 < len(ft.header); i += 2 {
				w.Header().Set(ft.header[i], ft.header[i+1])
			}
			reply(w, ft.status, map[string]string{"detail": http.StatusText(ft.status)})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			w.Header().Set("WWW-Authenticate", "Bearer")
			reply(w, http.StatusUnauthorized, map[string]string{"detail": "Not authenticated"})
			return
		}
		h(w, r)
	}
}

func (f *fakeAPI) login(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("username") != testUser || r.PostFormValue("password") != testPassword {
		reply(w, http.StatusUnauthorized, map[string]string{"detail": "Incorrect username or password"})
		return
	}
	reply(w, http.StatusOK, map[string]string{"access_token": f.token, "token_type": "bearer"})
}

func (f *fakeAPI) listAssets(w http.ResponseWriter, r *http.Request) {
	page, err1 := strconv.Atoi(r.URL.Query().Get("page"))
	size, err2 := strconv.Atoi(r.URL.Query().Get("size"))
	if err1 != nil || err2 != nil || page < 1 || size < 1 || size > 100 {
		reply(w, http.StatusUnprocessableEntity, map[string]string{"detail": "bad page or size"})
		return
	}
	lo, hi := min((page-1)*size, len(f.assets)), min(page*size, len(f.assets))
	reply(w, http.StatusOK, AssetPage{Items: f.assets[lo:hi], Total: len(f.assets), Page: page, Size: size,
		Pages: (len(f.assets) + size - 1) / size})
}

func (f *fakeAPI) getAccess(w http.ResponseWriter, r *http.Request) {
	for _, a := range f.access {
		if a.ID == r.PathValue("id") {
			reply(w, http.StatusOK, a)
			return
		}
	}
	reply(w, http.StatusNotFound, map[string]string{"detail": "Access not found"})
}

func (f *fakeAPI) stats(w http.ResponseWriter, _ *http.Request) {
	s := Stats{TotalAssets: len(f.assets), ActiveScans: 1}
	for _, a := range f.assets {
		if a.Status == "online" {
			s.OnlineAssets++
		} else {
			s.OfflineAssets++
		}
		s.OpenPorts += len(a.OpenPorts)
	}
	reply(w, http.StatusOK, s)
}
