package nopapi

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Asset is a host that NOP knows of (the specification's assetService).
type Asset struct {
	ID         string    `json:"id"`
	IPAddress  string    `json:"ip_address"`
	Hostname   string    `json:"hostname,omitempty"`
	MACAddress string    `json:"mac_address,omitempty"`
	Status     string    `json:"status"` // "online" or "offline"
	OpenPorts  []int     `json:"open_ports,omitempty"`
	LastSeen   time.Time `json:"last_seen,omitzero"`
}

// AssetPage is one page of assets.
type AssetPage struct {
	Items []Asset `json:"items"`
	Total int     `json:"total"` // assets in all
	Page  int     `json:"page"`  // this page's number, from 1
	Size  int     `json:"size"`  // the page size asked for
	Pages int     `json:"pages"` // pages in all
}

// ListAssets returns page page (from 1) of the assets, size to a page:
// GET /api/v1/assets/?page=1&size=100. page and size must be at least 1;
// the server may cap size.
func (c *Client) ListAssets(ctx context.Context, page, size int) (*AssetPage, error) {
	if page < 1 || size < 1 {
		return nil, fmt.Errorf("nopapi: ListAssets(page %d, size %d): both must be at least 1", page, size)
	}
	var p AssetPage
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/assets/",
		query: url.Values{"page": {strconv.Itoa(page)}, "size": {strconv.Itoa(size)}}}, &p)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// AllAssets returns every asset, page by page, size to a page: each page is
// fetched (and retried) as the loop reaches it. An error ends the sequence
// after it is yielded.
//
//	for a, err := range c.AllAssets(ctx, 100) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(a.IPAddress)
//	}
func (c *Client) AllAssets(ctx context.Context, size int) iter.Seq2[Asset, error] {
	return func(yield func(Asset, error) bool) {
		for page := 1; ; page++ {
			p, err := c.ListAssets(ctx, page, size)
			if err != nil {
				yield(Asset{}, err)
				return
			}
			for _, a := range p.Items {
				if !yield(a, nil) {
					return
				}
			}
			if len(p.Items) == 0 || page >= p.Pages {
				return
			}
		}
	}
}
