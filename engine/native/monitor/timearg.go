package monitor

import "time"

// ParseTime reads a time argument as docker's --since and --until do: an
// RFC 3339 time, unix seconds, or a duration before now. "" is the zero
// time.
func ParseTime(v string, now time.Time) (time.Time, error) { return parseLogTime(v, now) }
