package app

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The store options count each hook on its own counter: a BEGIN retried on
// another connection is no contention retry.
func TestStoreOptionsCountReconnectsApart(t *testing.T) {
	m, err := newStoreMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	opts := storeOptions(Config{}, m)
	opts.OnReconnect()
	opts.OnReconnect()
	opts.Retry.OnRetry("deadlock")
	if got := testutil.ToFloat64(m.reconnects); got != 2 {
		t.Errorf("chatlens_uow_begin_retries_total = %v; want 2", got)
	}
	if got := testutil.ToFloat64(m.retries.WithLabelValues("deadlock")); got != 1 {
		t.Errorf(`chatlens_uow_retries_total{reason="deadlock"} = %v; want 1`, got)
	}
}
