package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	swarmtypes "github.com/moby/moby/api/types/swarm"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/swarm"
	"github.com/berth-dev/berth/reconcile/stack"
	"github.com/berth-dev/berth/ui"
)

// swarmProject observes the project the command line names (a file, or
// -p alone) on the swarm, taking the lock first in a locked session.
func (a *app) swarmProject(ctx context.Context, s *session, sw swarm.Reader, args []string) (string, stack.State, error) {
	p, err := a.projectOrName(ctx, args, true)
	if err != nil {
		return "", stack.State{}, err
	}
	if err := s.lock(ctx, p.Name); err != nil {
		return "", stack.State{}, err
	}
	st, err := stack.Observe(ctx, sw, p.Name)
	a.g.writes.Start()
	return p.Name, st, err
}

// psTask is one line of ps on a swarm; the JSON field names are stable.
type psTask struct {
	ID           string
	Name         string
	Service      string
	Node         string
	Image        string
	DesiredState string
	State        string
	Error        string
}

// swarmPs lists the tasks of the project's services: the current ones, or
// with -a their history too.
func (a *app) swarmPs(cmd *cobra.Command, args []string, o *psOptions) error {
	if err := swarmUnsupportedFlags(cmd, "status", "filter"); err != nil {
		return err
	}
	return a.swarmSession(cmd, false, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		project, st, err := a.swarmProject(ctx, s, sw, nil)
		if err != nil {
			return err
		}
		byID := map[string]swarmtypes.Service{}
		var ids []string
		for _, svc := range st.Services {
			name := strings.TrimPrefix(svc.Spec.Name, project+"_")
			if len(args) > 0 && !slices.Contains(args, name) {
				continue
			}
			byID[svc.ID] = svc
			ids = append(ids, svc.ID)
		}
		if o.services {
			for _, id := range ids {
				fmt.Fprintln(a.stdout, strings.TrimPrefix(byID[id].Spec.Name, project+"_"))
			}
			return nil
		}
		tasks, err := sw.Tasks(ctx, ids)
		if err != nil {
			return err
		}
		nodes, err := sw.Nodes(ctx)
		if err != nil {
			return err
		}
		hosts := map[string]string{}
		for _, n := range nodes {
			hosts[n.ID] = n.Description.Hostname
		}
		rows := psTasks(project, byID, hosts, tasks, o.all)
		switch {
		case o.quiet:
			for _, r := range rows {
				fmt.Fprintln(a.stdout, r.ID)
			}
			return nil
		case o.format == "json":
			if rows == nil {
				rows = []psTask{}
			}
			return json.NewEncoder(a.stdout).Encode(rows)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSERVICE\tNODE\tIMAGE\tDESIRED\tSTATE\tERROR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Service, r.Node, r.Image, r.DesiredState, r.State, r.Error)
		}
		return tw.Flush()
	})
}

// psTasks turns tasks into ps lines, by service and slot, newest first
// within a slot.
func psTasks(project string, services map[string]swarmtypes.Service, hosts map[string]string, tasks []swarmtypes.Task, all bool) []psTask {
	var rows []psTask
	slices.SortStableFunc(tasks, func(x, y swarmtypes.Task) int {
		if c := strings.Compare(services[x.ServiceID].Spec.Name, services[y.ServiceID].Spec.Name); c != 0 {
			return c
		}
		if x.Slot != y.Slot {
			return x.Slot - y.Slot
		}
		if c := strings.Compare(x.NodeID, y.NodeID); c != 0 {
			return c
		}
		return y.CreatedAt.Compare(x.CreatedAt)
	})
	for _, t := range tasks {
		if !all && t.DesiredState != swarmtypes.TaskStateRunning && t.DesiredState != swarmtypes.TaskStateComplete {
			continue
		}
		svc := services[t.ServiceID]
		name := svc.Spec.Name + "." + t.NodeID
		if t.Slot > 0 {
			name = svc.Spec.Name + "." + strconv.Itoa(t.Slot)
		}
		image := ""
		if t.Spec.ContainerSpec != nil {
			image, _, _ = strings.Cut(t.Spec.ContainerSpec.Image, "@")
		}
		rows = append(rows, psTask{
			ID:           t.ID,
			Name:         name,
			Service:      strings.TrimPrefix(svc.Spec.Name, project+"_"),
			Node:         hosts[t.NodeID],
			Image:        image,
			DesiredState: string(t.DesiredState),
			State:        string(t.Status.State),
			Error:        t.Status.Err,
		})
	}
	return rows
}

// swarmLogs reads the logs of the project's services, each line prefixed
// with its service.
func (a *app) swarmLogs(cmd *cobra.Command, args []string, o *logsOptions) error {
	return a.swarmSession(cmd, false, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		project, st, err := a.swarmProject(ctx, s, sw, nil)
		if err != nil {
			return err
		}
		var services []swarmtypes.Service
		var sources []ui.LogSource
		for _, svc := range st.Services {
			name := strings.TrimPrefix(svc.Spec.Name, project+"_")
			if len(args) > 0 && !slices.Contains(args, name) {
				continue
			}
			services = append(services, svc)
			sources = append(sources, ui.LogSource{Name: name, Service: name})
		}
		mux := a.logMux(sources, o.noColor, !o.noLogPrefix)
		opts := swarm.LogOptions{Follow: o.follow, Tail: o.tail, Since: o.since, Until: o.until, Timestamps: o.timestamps}
		return streamLogs(ctx, mux, sources, 0, func(i int, stdout, stderr io.Writer) error {
			return sw.ServiceLogs(ctx, services[i].ID, opts, stdout, stderr)
		})
	})
}

// swarmScale sets replica counts, as `docker service scale` does.
func (a *app) swarmScale(cmd *cobra.Command, args []string) error {
	replicas := map[string]uint64{}
	for _, arg := range args {
		name, val, _ := strings.Cut(arg, "=")
		n, _ := strconv.ParseUint(val, 10, 64) // checked by scaleServices
		replicas[name] = n
	}
	return a.swarmSession(cmd, true, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		project, st, err := a.swarmProject(ctx, s, sw, nil)
		if err != nil {
			return err
		}
		plan, err := stack.PlanScale(project, st, replicas)
		if err != nil {
			return err
		}
		return a.applyStack(ctx, sw, plan, false)
	})
}

// swarmRestart force-updates services: the swarm replaces their tasks
// following update_config.
func (a *app) swarmRestart(cmd *cobra.Command, args []string) error {
	if err := swarmUnsupportedFlags(cmd, "timeout"); err != nil {
		return err
	}
	return a.swarmSession(cmd, true, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		project, st, err := a.swarmProject(ctx, s, sw, nil)
		if err != nil {
			return err
		}
		plan, err := stack.PlanRestart(project, st, args)
		if err != nil {
			return err
		}
		return a.applyStack(ctx, sw, plan, false)
	})
}

// swarmRm removes services, asking first unless -f.
func (a *app) swarmRm(cmd *cobra.Command, args []string, o *rmOptions) error {
	return a.swarmSession(cmd, true, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		project, st, err := a.swarmProject(ctx, s, sw, nil)
		if err != nil {
			return err
		}
		plan, err := stack.PlanRemove(project, st, args)
		if err != nil {
			return err
		}
		if !o.force && !a.g.dryRun && !plan.Empty() {
			var names []string
			for _, act := range plan.Actions {
				names = append(names, act.Name)
			}
			if ok, err := a.confirm(cmd.InOrStdin(), "Going to remove services "+strings.Join(names, ", ")); err != nil || !ok {
				return err
			}
		}
		return a.applyStack(ctx, sw, plan, false)
	})
}

// confirm asks a yes/no question on stderr; only "y" or "yes" is yes.
func (a *app) confirm(in io.Reader, question string) (bool, error) {
	fmt.Fprintf(a.stderr, "%s\nAre you sure? [yN] ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("read confirmation from stdin: %w", err)
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}

// downWait bounds how long down waits for the tasks to stop: their
// stop grace period (10s unless the file says otherwise) and a margin.
const downWait = 2 * time.Minute

// swarmDown removes the project's services, secrets, configs and
// networks, and nothing without its namespace label.
func (a *app) swarmDown(cmd *cobra.Command) error {
	if err := swarmUnsupportedFlags(cmd, "rmi", "timeout"); err != nil {
		return err
	}
	return a.swarmSession(cmd, true, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		project, st, err := a.swarmProject(ctx, s, sw, nil)
		if err != nil {
			return err
		}
		if f := cmd.Flags().Lookup("volumes"); f != nil && f.Changed {
			fmt.Fprintln(a.stderr, "warning: down --volumes: a swarm's volumes live on each node; remove them there with docker volume rm")
		}
		plan := stack.PlanDown(project, st)
		if err := a.applyStack(ctx, sw, plan, true); err != nil || a.g.dryRun || plan.Empty() {
			return err
		}
		// Like docker stack rm, and unlike a bare service rm, down returns
		// once the tasks have stopped, so that nothing of the stack is
		// left when it does.
		var ids []string
		for _, svc := range st.Services {
			ids = append(ids, svc.ID)
		}
		wctx, cancel := context.WithTimeout(ctx, downWait)
		defer cancel()
		return stack.WaitGone(wctx, sw, project, ids, 0)
	})
}
