package lambdaenv_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// BenchmarkColdInit starts every function cold under the Lambda Runtime
// Interface Emulator and reads the init duration it reports, against a
// hello-world aws-lambda-go bootstrap built the same way beside it (testenv's
// echo). The two run in turn, so the machine's load shifts both alike; what
// counts is the difference of the medians (ms-over-hello), not the absolute
// figures. Stand-ins serve DynamoDB, Secrets Manager and SES on loopback,
// so network time is nearly nothing and the figure is the code's own.
func BenchmarkColdInit(b *testing.B) {
	const runs = 12
	hello := testenv.BuildFunction(b, "shared/testenv/testdata/echo")
	db := testenv.NewDynamoDB(b)
	// SES is only connected to during init, never called.
	ses := httptest.NewServer(http.NotFoundHandler())
	b.Cleanup(ses.Close)
	for _, fn := range []string{"admin", "bounces", "contact", "events", "notifier", "partners", "sweeper"} {
		b.Run(fn, func(b *testing.B) {
			bin := testenv.BuildFunction(b, "functions/"+fn)
			env := testenv.FunctionEnv(b, db, map[string]string{"AWS_ENDPOINT_URL_SESV2": ses.URL})
			var got, floor []time.Duration
			for range b.N {
				for range runs {
					floor = append(floor, testenv.ColdInit(b, hello, nil))
					got = append(got, testenv.ColdInit(b, bin, env))
				}
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ms(median(got)), "init-ms")
			b.ReportMetric(ms(median(floor)), "hello-ms")
			b.ReportMetric(ms(median(got)-median(floor)), "ms-over-hello")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}
