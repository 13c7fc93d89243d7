// Package ui renders what berth prints on a terminal: the progress of a
// plan being applied, the multiplexed output of several containers, and the
// ps listing.
//
// ui knows nothing about planning or applying. Its inputs are its own small
// types ([Event], [LogSource]) or the engine's vocabulary ([engine.Container]),
// so cmd/berth adapts reconcile's events to [Event] and the renderers can be
// tested without an engine.
//
// # Output modes
//
// [NewProgress] picks a renderer for a [ProgressMode]: a live view redrawn in
// place with ANSI escapes (tty), one line per event (plain), one JSON object
// per line (json), or nothing (quiet). [ResolveProgress] turns the
// --progress and --ansi flags into a mode, as docker compose does.
//
// # Colour
//
// Colour decisions are made once, by [UseColor], from --ansi, whether the
// output is a terminal and NO_COLOR, and passed down as a bool. Nothing here
// reads the process environment or changes fatih/color's package-level
// switch: every colour is a private *color.Color enabled or disabled
// explicitly.
//
// # Concurrency properties
//
// A [Progress] and a [LogMux] may be used from several goroutines at once:
// each holds one mutex around its state and its writes, so lines from
// different sources never interleave within a line.
package ui
