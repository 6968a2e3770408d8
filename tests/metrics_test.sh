#!/usr/bin/env bash
# One Prometheus target for the whole platform: promtool accepts it and a
# real Prometheus server scrapes it.
source "$(dirname "$0")/lib.sh"

setup_suite() {
  start_berthd MAIN
  # Some traffic, so the request counters have samples for every service.
  "$BIN/berth" -H "$MAIN_SOCK" info >/dev/null 2>&1
  "$BIN/berth" -H "$MAIN_SOCK" volume ls >/dev/null
  # And through the Docker API: a 200, and two 404s on one route.
  wait_for 10 test -S "$MAIN_EXEC/docker.sock" || fail "no docker.sock"
  for path in /_ping /v1.45/containers/nosuch-a/json /containers/nosuch-b/json /no/such/endpoint; do
    curl -s -o /dev/null --unix-socket "$MAIN_EXEC/docker.sock" "http://docker$path"
  done
}

test_metrics_pass_promtool() {
  curl -sf "http://$MAIN_METRICS/metrics" >"$TMP/metrics.txt"
  local out
  out=$(promtool check metrics <"$TMP/metrics.txt" 2>&1) || fail "promtool: $out"
  [[ -z $out ]] || fail "promtool lint: $out"
}

test_metrics_hold_every_service_labelled() {
  local metrics
  metrics=$(curl -sf "http://$MAIN_METRICS/metrics")
  assert_contains "$metrics" "# TYPE berth_grpc_requests_total counter"
  assert_contains "$metrics" "# TYPE berth_grpc_request_duration_seconds histogram"
  # Calls through berthd and the calls berthd made to each service.
  assert_contains "$metrics" 'berth_grpc_requests_total{service="berthd",grpc_service="berth.system.v1.System",grpc_method="Info",grpc_code="OK"}'
  assert_contains "$metrics" 'berth_grpc_requests_total{service="snapshots",grpc_service="berth.snapshots.v1.Volumes",grpc_method="List",grpc_code="OK"}'
  assert_contains "$metrics" 'service="images",grpc_service="berth.images.v1.Images",grpc_method="List"'
  for service in images snapshots tasks network; do
    assert_contains "$metrics" "berth_service_up{service=\"$service\"} 1"
    assert_contains "$metrics" "berth_service_scrape_success{service=\"$service\"} 1"
  done
  # HELP and TYPE appear once per family even though every service has it.
  assert_eq "$(grep -c '^# TYPE berth_grpc_requests_total ' <<<"$metrics")" "1" "TYPE lines"
}

test_docker_api_requests_by_route_pattern() {
  local metrics
  metrics=$(curl -sf "http://$MAIN_METRICS/metrics")
  assert_contains "$metrics" "# TYPE berth_http_requests_total counter"
  assert_contains "$metrics" "# TYPE berth_http_request_duration_seconds histogram"
  assert_contains "$metrics" 'berth_http_requests_total{service="dockerapi",method="GET",route="/_ping",code="200"} 1'
  # Two containers' paths, one series: the route's pattern, not the path.
  assert_contains "$metrics" 'berth_http_requests_total{service="dockerapi",method="GET",route="/containers/{id}/json",code="404"} 2'
  assert_contains "$metrics" 'berth_http_requests_total{service="dockerapi",method="GET",route="other",code="404"} 1'
  assert_not_contains "$metrics" "nosuch" "no raw path in a label"
  assert_contains "$metrics" 'berth_http_request_duration_seconds_count{service="dockerapi",method="GET",route="/containers/{id}/json"} 2'
  assert_contains "$metrics" 'berth_service_scrape_success{service="dockerapi"} 1'
}

test_prometheus_server_scrapes_berthd() {
  local port dir
  port=$(free_port)
  dir=$TMP/prometheus
  mkdir -p "$dir"
  cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: berth
    static_configs:
      - targets: ['$MAIN_METRICS']
YAML
  prometheus --config.file "$dir/prometheus.yml" --storage.tsdb.path "$dir/data" \
    --web.listen-address "127.0.0.1:$port" >"$dir/log" 2>&1 &
  track_pid $!
  local query="http://127.0.0.1:$port/api/v1/query?query=berth_grpc_requests_total"
  wait_for 60 bash -c "curl -sf '$query' | jq -e '.data.result | length > 0'" ||
    fail "prometheus never saw berth_grpc_requests_total: $(tail -5 "$dir/log"; curl -s "$query")"
  wait_for 30 bash -c "curl -sf 'http://127.0.0.1:$port/api/v1/targets' | jq -e '.data.activeTargets[0].health == \"up\"'" ||
    fail "target not up: $(curl -s "http://127.0.0.1:$port/api/v1/targets")"
  # The label that tells services apart survives the scrape.
  local up="http://127.0.0.1:$port/api/v1/query?query=berth_service_up%7Bservice%3D%22images%22%7D"
  wait_for 10 bash -c "curl -sf '$up' | jq -e '.data.result[0].value[1] == \"1\"'" ||
    fail "berth_service_up for images: $(curl -s "$up")"
}

run_tests "$@"
