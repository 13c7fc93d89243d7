package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// inheritedSection is how cobra's usage template lists a subcommand's
// inherited flags.
const inheritedSection = `{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}`

// showGlobalFlags makes every subcommand's --help list the global flags.
// They are the root's own flags rather than persistent ones (so that -f
// stays free for `logs -f`), which cobra's help would leave out: a user who
// reads `berth up --help` would not learn of -f, -p or --env.
func showGlobalFlags(root *cobra.Command) {
	cobra.AddTemplateFunc("berthGlobalFlags", globalFlagUsages)
	tmpl := root.UsageTemplate()
	root.SetUsageTemplate(strings.Replace(tmpl, inheritedSection, `{{if .HasParent}}

Global Flags:
{{berthGlobalFlags . | trimTrailingWhitespaces}}{{end}}`, 1))
}

// globalFlagUsages lists the root's flags and c's inherited ones, in name
// order.
func globalFlagUsages(c *cobra.Command) string {
	fs := pflag.NewFlagSet("global", pflag.ContinueOnError)
	add := func(f *pflag.Flag) {
		if f.Name != "help" && fs.Lookup(f.Name) == nil {
			fs.AddFlag(f)
		}
	}
	c.Root().LocalNonPersistentFlags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	return fs.FlagUsages()
}
