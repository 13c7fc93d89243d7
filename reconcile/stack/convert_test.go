package stack

import (
	"encoding/json"
	"testing"
)

// TestServiceSpec converts a service that uses every key the swarm
// supports and compares the spec, as JSON, with its golden file.
func TestServiceSpec(t *testing.T) {
	d := build(t, `
services:
  api:
    image: example/api:2
    entrypoint: ["/api"]
    command: ["--port", "8080"]
    user: "1000:1000"
    working_dir: /srv
    hostname: api
    environment:
      B: "2"
      A: "1"
    labels:
      tier: back
    restart: on-failure:3
    stop_grace_period: 30s
    stop_signal: SIGINT
    init: true
    read_only: true
    extra_hosts: ["db.local:10.0.0.5"]
    dns: [10.0.0.2]
    cap_add: [NET_ADMIN]
    ulimits:
      nofile: {soft: 1024, hard: 2048}
    healthcheck:
      test: ["CMD", "/api", "health"]
      interval: 10s
      timeout: 2s
      retries: 3
      start_period: 5s
    ports:
      - "8080:8080"
      - target: 9090
        published: 9090
        mode: host
    volumes:
      - data:/data
      - /etc/ssl:/etc/ssl:ro
      - type: tmpfs
        target: /cache
        tmpfs: {size: 1048576}
    logging:
      driver: json-file
      options: {max-size: 10m}
    deploy:
      mode: replicated
      replicas: 3
      labels:
        owner: team
      placement:
        constraints: [node.role==worker]
        preferences:
          - spread: node.labels.zone
        max_replicas_per_node: 2
      resources:
        limits: {cpus: "0.5", memory: 256M, pids: 100}
        reservations: {cpus: "0.25", memory: 128M}
      update_config:
        parallelism: 2
        delay: 10s
        failure_action: rollback
        monitor: 30s
        max_failure_ratio: 0.25
        order: start-first
      rollback_config:
        parallelism: 0
        order: stop-first
  job:
    image: example/job:1
    deploy:
      mode: replicated-job
      replicas: 4
      restart_policy:
        condition: none
  agent:
    image: example/agent:1
    deploy:
      mode: global
      endpoint_mode: dnsrr
  once:
    image: example/once:1
    deploy:
      mode: global-job
volumes:
  data:
    driver_opts: {type: none}
`)
	specs := map[string]any{}
	for _, s := range d.Services {
		specs[s.Name] = s.Spec
	}
	b, err := json.MarshalIndent(specs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "spec/services.json", string(b)+"\n")
}
