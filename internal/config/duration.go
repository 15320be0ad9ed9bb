package config

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var daysPrefix = regexp.MustCompile(`^([0-9]+)d(.*)$`)

// ParseDuration parses Go duration syntax (90s, 1h30m) extended with whole
// days as a leading term (30d, 1d12h).
func ParseDuration(s string) (time.Duration, error) {
	var days time.Duration
	rest := s
	if m := daysPrefix.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 32)
		if err != nil || n > 100*365 {
			return 0, fmt.Errorf("invalid duration %q: too many days", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		rest = m[2]
		if rest == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want a number with a unit such as 90s, 5m, 24h or 30d", s)
	}
	if d < 0 && days > 0 {
		return 0, fmt.Errorf("invalid duration %q: a negative part after days", s)
	}
	return days + d, nil
}

// formatDuration writes d the way the example file does: whole days as Nd.
func formatDuration(d time.Duration) string {
	day := 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}
