package nopapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Access is a way into an asset: a protocol, a port and the account to use
// (the specification's accessService). Secrets never leave the server.
type Access struct {
	ID       string `json:"id"`
	AssetID  string `json:"asset_id"`
	Protocol string `json:"protocol"` // such as "ssh", "rdp", "snmp"
	Port     int    `json:"port"`
	Username string `json:"username,omitempty"`
}

// ListAccess returns every access entry: GET /api/v1/access/.
func (c *Client) ListAccess(ctx context.Context) ([]Access, error) {
	var out []Access
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/access/"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetAccess returns one access entry: GET /api/v1/access/{id}. id holds
// letters, digits and - _ . ~ only (a UUID or a number). An unknown id is an
// error matching ErrNotFound.
func (c *Client) GetAccess(ctx context.Context, id string) (*Access, error) {
	if id == "" || id == "." || id == ".." || strings.Trim(id, idChars) != "" {
		return nil, fmt.Errorf("nopapi: GetAccess(%q): not an id", id)
	}
	var a Access
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/access/" + id}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"
