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
// Interface Emulator and reads the init duration it reports, against two
// floors built the same way beside it: a hello-world aws-lambda-go
// bootstrap (testenv's echo) and the SDK floor (testenv's sdkfloor: the AWS
// configuration as awsenv builds it, the DynamoDB and SES v2 clients,
// hello-world). The three run in turn, so the machine's load shifts all
// alike; what counts is the difference of the medians (ms-over-hello,
// ms-over-floor), not the absolute figures. Stand-ins serve DynamoDB,
// Secrets Manager and SES on loopback, so network time is nearly nothing
// and the figure is the code's own.
//
// cpu-ms is the CPU time the bootstrap's threads used for init and one
// empty request (median): Lambda gives a function CPU in proportion to its
// memory, so at a fraction of a vCPU this is what init stretches to, not
// init-ms, which here runs on whole cores (make bench turns it into an
// estimate per memory size).
func BenchmarkColdInit(b *testing.B) {
	const runs = 12
	hello := testenv.BuildFunction(b, "shared/testenv/testdata/echo")
	floorBin := testenv.BuildFunction(b, "shared/testenv/testdata/sdkfloor")
	db := testenv.NewDynamoDB(b)
	// SES is only connected to during init, never called.
	ses := httptest.NewServer(http.NotFoundHandler())
	b.Cleanup(ses.Close)
	for _, fn := range []string{"admin", "bounces", "contact", "events", "notifier", "partners", "sweeper"} {
		b.Run(fn, func(b *testing.B) {
			bin := testenv.BuildFunction(b, "functions/"+fn)
			env := testenv.FunctionEnv(b, db, map[string]string{"AWS_ENDPOINT_URL_SESV2": ses.URL})
			var got, helloInit, floorInit, cpu, floorCPU []time.Duration
			for range b.N {
				for range runs {
					helloInit = append(helloInit, testenv.ColdInit(b, hello, nil))
					f := testenv.ColdStartOf(b, floorBin, env)
					floorInit, floorCPU = append(floorInit, f.Init), append(floorCPU, f.CPU)
					c := testenv.ColdStartOf(b, bin, env)
					got, cpu = append(got, c.Init), append(cpu, c.CPU)
				}
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ms(median(got)), "init-ms")
			b.ReportMetric(ms(median(helloInit)), "hello-ms")
			b.ReportMetric(ms(median(floorInit)), "floor-ms")
			b.ReportMetric(ms(median(got)-median(helloInit)), "ms-over-hello")
			b.ReportMetric(ms(median(got)-median(floorInit)), "ms-over-floor")
			b.ReportMetric(ms(median(cpu)), "cpu-ms")
			b.ReportMetric(ms(median(floorCPU)), "floor-cpu-ms")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}
