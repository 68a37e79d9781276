package nopapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Login signs in with a user name and password (the specification's
// authService): POST /api/v1/auth/login with an OAuth2 password form. On
// success the client keeps the bearer token for later calls and Login
// returns it.
//
// Login is not retried once the request may have reached the server (see
// the package documentation): a 503, a 429 or a dropped connection is
// returned to the caller after one attempt. Wrong credentials are an
// *APIError matching ErrUnauthorized, and do not call the OnUnauthorized
// hook.
func (c *Client) Login(ctx context.Context, user, password string) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	err := c.do(ctx, call{method: http.MethodPost, path: "/api/v1/auth/login", login: true,
		form: url.Values{"username": {user}, "password": {password}}}, &tok)
	if err != nil {
		return "", err
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("nopapi: POST /api/v1/auth/login: the response holds no access_token")
	}
	c.SetToken(tok.AccessToken)
	return tok.AccessToken, nil
}
