package runtask

import (
	"fmt"
	"strings"
	"time"
)

// chart is a workspace's trend drawn as inline SVG by the server: one point
// per day that had tasks, blocking and advisory findings on the left scale,
// the day's pass rate on the right (0–100 %). No script draws it, so it
// shows with JavaScript off and in the saved page.
type chart struct {
	Width, Height    int
	Left, Right, Top int
	Bottom           int // y of the x axis
	Blocking         series
	Advisory         series
	Rate             series
	YTicks           []tick // findings scale
	XTicks           []tick // days
	Empty            bool
}

type series struct {
	Points string // polyline points "x,y x,y"
	Dots   []dot
}

type dot struct {
	X, Y  float64
	Day   string
	Label string // tooltip: the day's numbers
}

type tick struct {
	Pos   float64
	Label string
}

const (
	chartWidth, chartHeight = 880, 260
	chartLeft, chartRight   = 44, 44
	chartTop, chartBottom   = 16, 36
)

// trendChart lays out points (days in [from, to), oldest first) on a
// fixed-size canvas; the x scale is the whole window, so gaps are days
// without tasks.
func trendChart(points []dayPoint, from, to time.Time) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartWidth - chartRight, Top: chartTop,
		Bottom: chartHeight - chartBottom, Empty: len(points) == 0}
	days := max(1, int(to.Sub(from)/(24*time.Hour))-1)
	x := func(day time.Time) float64 {
		i := float64(day.Sub(from) / (24 * time.Hour))
		return float64(c.Left) + i*float64(c.Right-c.Left)/float64(days)
	}
	top := 1
	for _, p := range points {
		top = max(top, p.Blocking, p.Advisory)
	}
	top = niceCeil(top)
	y := func(v int) float64 {
		return float64(c.Bottom) - float64(v)*float64(c.Bottom-c.Top)/float64(top)
	}
	yRate := func(r float64) float64 { return float64(c.Bottom) - r*float64(c.Bottom-c.Top) }
	var b, a, r []string
	for _, p := range points {
		px := x(p.Day)
		day := p.Day.Format(time.DateOnly)
		label := fmt.Sprintf("%s: %d tasks, %d passed (%s), %d blocking, %d advisory", day, p.Tasks, p.Passed, percent(p.Passed, p.Tasks), p.Blocking, p.Advisory)
		c.Blocking.Dots = append(c.Blocking.Dots, dot{X: px, Y: y(p.Blocking), Day: day, Label: label})
		c.Advisory.Dots = append(c.Advisory.Dots, dot{X: px, Y: y(p.Advisory), Day: day, Label: label})
		c.Rate.Dots = append(c.Rate.Dots, dot{X: px, Y: yRate(p.PassRate()), Day: day, Label: label})
		b = append(b, fmt.Sprintf("%.1f,%.1f", px, y(p.Blocking)))
		a = append(a, fmt.Sprintf("%.1f,%.1f", px, y(p.Advisory)))
		r = append(r, fmt.Sprintf("%.1f,%.1f", px, yRate(p.PassRate())))
	}
	c.Blocking.Points, c.Advisory.Points, c.Rate.Points = strings.Join(b, " "), strings.Join(a, " "), strings.Join(r, " ")
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		c.YTicks = append(c.YTicks, tick{Pos: y(v), Label: fmt.Sprint(v)})
	}
	step := max(1, (days+1)/6)
	for i := 0; i <= days; i += step {
		d := from.AddDate(0, 0, i)
		c.XTicks = append(c.XTicks, tick{Pos: x(d), Label: d.Format("Jan 2")})
	}
	return c
}

// niceCeil rounds a scale's top up to 4, 8, 12 or 20 times a power of ten,
// so the four gridlines fall on whole, round numbers.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{4, 8, 12, 20} {
			if n <= m*p {
				return m * p
			}
		}
	}
}
