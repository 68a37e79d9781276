package nopapi

import (
	"context"
	"net/http"
)

// Stats are the dashboard's statistics (the specification's
// dashboardService).
type Stats struct {
	TotalAssets   int `json:"total_assets"`
	OnlineAssets  int `json:"online_assets"`
	OfflineAssets int `json:"offline_assets"`
	OpenPorts     int `json:"open_ports"`   // open ports across all assets
	ActiveScans   int `json:"active_scans"` // scans running now
}

// DashboardStats returns the dashboard's statistics:
// GET /api/v1/dashboard/stats.
func (c *Client) DashboardStats(ctx context.Context) (*Stats, error) {
	var s Stats
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/dashboard/stats"}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
