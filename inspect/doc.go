// Package inspect gathers what berth's read-only inspection commands show
// about a project's containers: the images they run (images), their
// resource usage (stats) and the engine's events about them (events).
//
// Each function takes the project's containers, already listed by the
// caller, and the narrow engine interface it needs, and returns plain
// values; rendering them is ui's job.
package inspect
