package bench

import (
	"fmt"
	"strings"
	"time"
)

// overloadSVG plots the overload run by hand, with no dependency: the
// goodput of our client with the limit and without it (left axis, /s), its
// limit (right axis), the offered load and the server's capacity.
func overloadSVG(cfg overloadConfig, lim, base overloadResult) string {
	const (
		w, h                   = 900, 380
		left, right, top, bott = 60, 60, 30, 50
	)
	pw, ph := float64(w-left-right), float64(h-top-bott)
	end := cfg.total().Seconds()
	step := (cfg.bucket / 2).Seconds()
	capacity := float64(cfg.workers) / cfg.service.Seconds()
	gmax := 1.1 * max(capacity, slicesMax(cfg.rates))
	lmax := 1.25 * max(slicesMax(lim.limits), 1)
	x := func(s float64) float64 { return left + pw*s/end }
	yg := func(v float64) float64 { return top + ph*(1-min(v, gmax)/gmax) }
	yl := func(v float64) float64 { return top + ph*(1-min(v, lmax)/lmax) }
	line := func(vals []float64, y func(float64) float64, color, label string) string {
		var pts strings.Builder
		for i, v := range vals {
			fmt.Fprintf(&pts, "%.1f,%.1f ", x((float64(i)+0.5)*step), y(v))
		}
		return fmt.Sprintf("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"><title>%s</title></polyline>\n",
			color, strings.TrimSpace(pts.String()), label)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h, w, h)
	fmt.Fprintf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h)
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"18\" font-size=\"14\">Overload: goodput and concurrency limit (capacity %.0f/s, %v attempt timeout)</text>\n", left, capacity, Overload.AttemptTimeout)
	// Axes and grid.
	for i := 0; i <= 5; i++ {
		v := gmax * float64(i) / 5
		fmt.Fprintf(&b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, w-right, yg(v), yg(v))
		fmt.Fprintf(&b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", left-5, yg(v)+4, v)
		lv := lmax * float64(i) / 5
		fmt.Fprintf(&b, "<text x=\"%d\" y=\"%.1f\" fill=\"#d95f02\">%.0f</text>\n", w-right+5, yl(lv)+4, lv)
	}
	for s := 0.0; s <= end+1e-9; s++ {
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", x(s), h-bott+16, s)
	}
	fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time (s)</text>\n", x(end/2), h-10)
	fmt.Fprintf(&b, "<text x=\"15\" y=\"%.1f\" transform=\"rotate(-90 15 %.1f)\" text-anchor=\"middle\">successes per second</text>\n", top+ph/2, top+ph/2)
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%.1f\" transform=\"rotate(90 %d %.1f)\" text-anchor=\"middle\" fill=\"#d95f02\">limit (requests in flight)</text>\n", w-15, top+ph/2, w-15, top+ph/2)
	// Offered load and capacity.
	var off strings.Builder
	var at time.Duration
	for i, r := range cfg.rates {
		fmt.Fprintf(&off, "M%.1f,%.1f H%.1f ", x(at.Seconds()), yg(r), x((at + cfg.phases[i]).Seconds()))
		at += cfg.phases[i]
	}
	fmt.Fprintf(&b, "<path d=\"%s\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"6 4\"><title>offered</title></path>\n", strings.TrimSpace(off.String()))
	fmt.Fprintf(&b, "<path d=\"M%d,%.1f H%d\" stroke=\"#1b9e77\" stroke-dasharray=\"2 3\"><title>capacity</title></path>\n", left, yg(capacity), w-right)
	b.WriteString(line(base.goodput, yg, "#aaaaaa", "goodput, "+base.name))
	b.WriteString(line(lim.goodput, yg, "#1f4e9e", "goodput, "+lim.name))
	b.WriteString(line(lim.limits, yl, "#d95f02", "limit, "+lim.name))
	// Legend.
	for i, it := range []struct{ color, text string }{
		{"#1f4e9e", "goodput with retryhttp.Limit (nop-limit)"}, {"#aaaaaa", "goodput without (nop)"},
		{"#d95f02", "limit (right axis)"}, {"#999", "offered load (dashed)"}, {"#1b9e77", "capacity (dotted)"},
	} {
		y := top + 14 + 16*i
		fmt.Fprintf(&b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
			w-right-290, w-right-270, y-4, y-4, it.color, w-right-265, y, it.text)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func slicesMax(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
