package nopapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry/examples/nopapi"
	"github.com/nop-platform/retry/retryhttp"
)

// exampleAPI is a tiny NOP API whose asset list fails with a 503 every
// other time.
func exampleAPI() *httptest.Server {
	var calls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("password") != "secret" {
			http.Error(w, `{"detail": "Incorrect username or password"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"access_token": "tok-1", "token_type": "bearer"}`)
	})
	mux.HandleFunc("GET /api/v1/assets/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Bearer tok-1":
			http.Error(w, `{"detail": "Not authenticated"}`, http.StatusUnauthorized)
		case calls.Add(1)%2 == 1:
			http.Error(w, `{"detail": "database busy"}`, http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, `{"items": [{"id": "1", "ip_address": "10.0.0.1", "hostname": "web-1", "status": "online"},
				{"id": "2", "ip_address": "10.0.0.2", "hostname": "db-1", "status": "offline"}],
				"total": 2, "page": 1, "size": 100, "pages": 1}`)
		}
	})
	mux.HandleFunc("GET /api/v1/dashboard/stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"total_assets": 2, "online_assets": 1, "offline_assets": 1, "open_ports": 3, "active_scans": 0}`)
	})
	mux.HandleFunc("GET /api/v1/access/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id": "a1", "asset_id": "1", "protocol": "ssh", "port": 22, "username": "ops"}]`)
	})
	mux.HandleFunc("GET /api/v1/access/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "a1" {
			http.Error(w, `{"detail": "Access not found"}`, http.StatusNotFound)
			return
		}
		fmt.Fprint(w, `{"id": "a1", "asset_id": "1", "protocol": "ssh", "port": 22, "username": "ops"}`)
	})
	return httptest.NewServer(mux)
}

// stdoutLogger logs the message only, for stable output.
func stdoutLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != slog.MessageKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func ExampleClient_ListAssets() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL, nopapi.Retry(
		retryhttp.BaseDelay(10*time.Millisecond), // default 1s
		retryhttp.Jitter(0),                      // default 0.3; off for stable output
		retryhttp.Logger(stdoutLogger()),         // default slog.Default()
	))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := c.Login(ctx, "admin", "secret"); err != nil {
		fmt.Println(err)
		return
	}
	page, err := c.ListAssets(ctx, 1, 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range page.Items {
		fmt.Println(a.IPAddress, a.Hostname, a.Status)
	}
	// Output:
	// msg="[Retry 1/3] GET /api/v1/assets/ (delay: 10ms, reason: 503 Service Unavailable)"
	// 10.0.0.1 web-1 online
	// 10.0.0.2 db-1 offline
}

func ExampleOnUnauthorized() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL,
		nopapi.Token("expired"),
		nopapi.OnUnauthorized(func(method, path string) {
			fmt.Println("session expired on", method, path, "- showing the login page")
		}),
	)
	if err != nil {
		panic(err)
	}
	_, err = c.ListAssets(context.Background(), 1, 100)
	fmt.Println(err)
	// Output:
	// session expired on GET /api/v1/assets/ - showing the login page
	// nopapi: GET /api/v1/assets/: 401 Unauthorized: Not authenticated
}

func ExampleWithRetry() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL, nopapi.Token("tok-1"))
	if err != nil {
		panic(err)
	}
	// This call only: no retries (the specification's withRetry).
	ctx := nopapi.WithRetry(context.Background(), retryhttp.MaxRetries(0))
	_, err = c.ListAssets(ctx, 1, 100)
	fmt.Println(err)
	// Output:
	// nopapi: GET /api/v1/assets/: 503 Service Unavailable: database busy
}

func ExampleClient_Login() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL)
	if err != nil {
		panic(err)
	}
	_, err = c.Login(context.Background(), "admin", "guess")
	fmt.Println(err)
	tok, err := c.Login(context.Background(), "admin", "secret")
	fmt.Println(tok, err)
	// Output:
	// nopapi: POST /api/v1/auth/login: 401 Unauthorized: Incorrect username or password
	// tok-1 <nil>
}

func ExampleClient_AllAssets() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL, nopapi.Token("tok-1"), nopapi.Retry(retryhttp.BaseDelay(time.Millisecond), retryhttp.Logger(nil)))
	if err != nil {
		panic(err)
	}
	for a, err := range c.AllAssets(context.Background(), 100) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(a.ID, a.IPAddress)
	}
	// Output:
	// 1 10.0.0.1
	// 2 10.0.0.2
}

func ExampleClient_DashboardStats() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL, nopapi.Token("tok-1"))
	if err != nil {
		panic(err)
	}
	s, err := c.DashboardStats(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d assets, %d online, %d open ports\n", s.TotalAssets, s.OnlineAssets, s.OpenPorts)
	// Output:
	// 2 assets, 1 online, 3 open ports
}

func ExampleClient_GetAccess() {
	srv := exampleAPI()
	defer srv.Close()

	c, err := nopapi.New(srv.URL, nopapi.Token("tok-1"))
	if err != nil {
		panic(err)
	}
	all, err := c.ListAccess(context.Background())
	fmt.Println(len(all), err)
	a, err := c.GetAccess(context.Background(), "a1")
	fmt.Println(a.Protocol, a.Port, a.Username, err)
	_, err = c.GetAccess(context.Background(), "a9")
	fmt.Println(errors.Is(err, nopapi.ErrNotFound), err)
	// Output:
	// 1 <nil>
	// ssh 22 ops <nil>
	// true nopapi: GET /api/v1/access/a9: 404 Not Found: Access not found
}
