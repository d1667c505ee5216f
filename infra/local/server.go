package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/auth/jwtauth"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/digest"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/dynamo/emulator"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/mail/maildir"
	"github.com/wartburgkreis/netzwerk/shared/mail/sesmail"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/notify"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// devKey keys hashes and tokens when HASH_KEY is unset: fine for a laptop,
// never for a deployment (template.yaml generates a secret there).
const devKey = "local-development-key-not-a-secret-0123456789"

// server is everything behind the local HTTP listener.
type server struct {
	Handler      http.Handler
	Deliverer    *outbox.Deliverer
	Events       *event.Service
	Store        *dynamo.Store
	Config       *network.Config
	Keys         *secret.Keys
	MailTarget   string
	DynamoTarget string
	// DataFile is where the data is kept, "" in memory only.
	DataFile string
	// DemoToken is a coordinator token, made when no --jwt-secret was given.
	DemoToken string

	// scheduled is what the sweeper does besides delivery, as in AWS.
	scheduled []notify.Scheduled

	deliveries sync.WaitGroup
	loops      sync.WaitGroup
	stop       context.CancelFunc
	closers    []func()
	closeOnce  sync.Once
	// data keeps the embedded emulator's table in a file; nil keeps it in
	// memory only.
	data *dataFile
	log  *slog.Logger
}

func newServer(ctx context.Context, o options, log *slog.Logger) (*server, error) {
	cfg, err := network.Load(o.configPath)
	if err != nil {
		return nil, err
	}
	// Like ALLOWED_ORIGINS in AWS: the sites that may embed the forms.
	cfg.AllowedOrigins = append(cfg.AllowedOrigins, o.allowOrigins...)
	if o.addr != "" {
		// Links in mails must lead back to this server.
		cfg.PublicBaseURL = "http://" + o.addr
	}
	key := os.Getenv("HASH_KEY")
	if key == "" {
		key = devKey
	}
	keys, err := secret.New([]byte(key))
	if err != nil {
		return nil, err
	}
	s := &server{Config: cfg, Keys: keys, log: log}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	db, err := s.dynamoClient(ctx, o)
	if err != nil {
		return nil, err
	}
	switch err := dynamo.CreateTable(ctx, db, o.table); {
	case errors.Is(err, dynamo.ErrNoTTL) && o.dynamoEndpoint == "":
		log.Warn("the embedded emulator cannot expire items (no TTL): expired records stay stored, though every read treats them as gone")
	case errors.Is(err, dynamo.ErrNoTTL):
		log.Warn("this DynamoDB endpoint cannot expire items (no TTL): expired records stay stored, though every read treats them as gone", "error", err)
	case err != nil:
		return nil, err
	}
	now := o.now
	if now == nil {
		now = time.Now
	}
	var client dynamo.API = db
	switch {
	case o.dataFile == "":
	case o.dynamoEndpoint != "":
		log.Warn("--data-file applies to the embedded emulator only; the endpoint keeps its own data", "endpoint", o.dynamoEndpoint)
	default:
		s.data = &dataFile{path: o.dataFile, api: db, table: o.table}
		n, err := s.data.load(ctx)
		if err != nil {
			return nil, err
		}
		log.Info("data loaded", "file", o.dataFile, "items", n)
		s.DataFile = o.dataFile
		client = watched{API: db, file: s.data}
	}
	store := lambdaenv.NewStore(client, o.table, cfg, keys)
	store.Now = now
	s.Store = store

	sender, err := s.mailSender(ctx, o)
	if err != nil {
		return nil, err
	}
	renderer := mailtext.New(cfg, keys)
	s.Deliverer = notify.NewDeliverer(store, renderer, sender, cfg, log)
	s.Deliverer.Now = now

	// In place of the stream: every committed mail is tried at once, in the
	// background, as the notifier would.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = cancel
	store.OnMail = func(ids []string) {
		for _, id := range ids {
			s.deliveries.Go(func() {
				if _, err := s.Deliverer.Deliver(bg, id); err != nil {
					log.Error("delivery failed", "mail", id, "err", err)
				}
			})
		}
	}

	if o.demo {
		if err := seedDemo(ctx, store, keys, cfg, now()); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}

	verifier, err := s.verifier(o.jwtSecret, now)
	if err != nil {
		return nil, err
	}
	s.Events = &event.Service{Store: store, Config: cfg, Keys: keys, Now: now, Log: log}
	partners := &partner.Service{Store: store, Config: cfg, Keys: keys, Now: now, Log: log}
	messages := &contact.Service{Store: store, Config: cfg, Keys: keys, Now: now, Log: log}
	api := &httpapi.API{
		Config:   cfg,
		Partners: partners,
		Events:   s.Events,
		Contact:  messages,
		Admin: &httpapi.Admin{
			Auth:     verifier,
			Partners: partners,
			Audit:    store,
			Privacy:  &privacy.Service{Store: store, Events: s.Events, Config: cfg, Keys: keys, Now: now},
			Roster:   &event.Roster{Store: store, Config: cfg, Now: now},
			Messages: messages,
			Outbox:   &outbox.Admin{Store: store, Config: cfg, Now: now},
			Events:   s.Events,
		},
		Login: httpapi.Login{Dev: devLoginPath},
		Log:   log,
		Now:   now,
	}
	if o.loginDomain != "" {
		api.Login = httpapi.Login{Domain: o.loginDomain, ClientID: o.loginClient}
	}
	perMinute := cfg.RateLimitPerMinute
	if o.rateLimit >= 0 {
		perMinute = o.rateLimit
	}
	if perMinute > 0 {
		api.RateLimit = httpapi.NewRateLimit(store, keys, perMinute)
	}
	mux := http.NewServeMux()
	mux.Handle("/", cors(api.Handler(), cfg.AllowedOrigins))
	mux.Handle("POST "+devLoginPath, devLogin(verifier))
	if o.sesEndpoint == "" {
		mailViewer{dir: o.mailDir}.register(mux)
	}
	s.Handler = mux
	s.scheduled = []notify.Scheduled{
		s.Events.QueueReminders,
		s.Events.ResumeJobs,
		s.Events.Reconcile,
		messages.Reconcile,
		partners.Reconcile,
		(&digest.Service{Store: store, Config: cfg, Now: now}).Send,
	}
	if o.sweepEvery > 0 {
		s.loops.Go(func() { s.sweepLoop(bg, o.sweepEvery, log) })
	}
	if s.data != nil {
		s.loops.Go(func() { s.saveLoop(bg, dataSaveEvery) })
	}
	ok = true
	return s, nil
}

// verifier checks admin tokens with secret. Without one, a random secret
// serves this run only, and a ready token goes to the person who started it.
func (s *server) verifier(secret string, now func() time.Time) (*jwtauth.Verifier, error) {
	v := &jwtauth.Verifier{Secret: []byte(secret), Now: now}
	if secret != "" {
		return v, nil
	}
	v.Secret = []byte(rand.Text())
	token, err := v.Issue(demoCoordinator, auth.Group)
	if err != nil {
		return nil, err
	}
	s.DemoToken = token
	return v, nil
}

func (s *server) dynamoClient(ctx context.Context, o options) (*dynamodb.Client, error) {
	if o.dynamoEndpoint != "" {
		awsCfg, err := localAWSConfig(ctx)
		if err != nil {
			return nil, err
		}
		s.DynamoTarget = o.dynamoEndpoint
		return dynamodb.NewFromConfig(awsCfg, func(opt *dynamodb.Options) {
			opt.BaseEndpoint = aws.String(o.dynamoEndpoint)
		}), nil
	}
	// The embedded emulator listens on loopback and is reached over HTTP
	// through the real SDK, exactly as DynamoDB would be.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	emu := &http.Server{Handler: emulator.Handler(miniserver.NewServer()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = emu.Serve(ln) }()
	s.closers = append(s.closers, func() { _ = emu.Close() })
	s.DynamoTarget = "embedded emulator at http://" + ln.Addr().String()
	return dynamo.NewEmulatorClient("http://"+ln.Addr().String(), 3), nil
}

func (s *server) mailSender(ctx context.Context, o options) (mail.Sender, error) {
	if o.sesEndpoint == "" {
		if err := os.MkdirAll(o.mailDir, 0o755); err != nil {
			return nil, err
		}
		s.MailTarget = o.mailDir
		return maildir.New(o.mailDir), nil
	}
	awsCfg, err := localAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	s.MailTarget = "SES at " + o.sesEndpoint
	client := sesv2.NewFromConfig(awsCfg, func(opt *sesv2.Options) {
		opt.BaseEndpoint = aws.String(o.sesEndpoint)
		// One try per delivery attempt: the outbox does the retrying, on
		// its own schedule.
		opt.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1)
	})
	return sesmail.New(client, o.sesConfiguration), nil
}

// localAWSConfig is the standard AWS configuration (environment, profiles)
// with what an emulator needs when nothing is configured: a region and
// dummy credentials, which emulators accept and real endpoints refuse.
func localAWSConfig(ctx context.Context) (aws.Config, error) {
	// Never ask the EC2 metadata service: on a laptop or in CI that is
	// traffic to an address that is not ours.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		return cfg, err
	}
	if cfg.Region == "" {
		cfg.Region = "eu-central-1"
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	return cfg, nil
}

// sweepLoop runs the production sweeper (notify.Sweeper: the scheduled
// jobs, then due mail until none is left) every interval, as the schedule
// does in AWS.
func (s *server) sweepLoop(ctx context.Context, every time.Duration, log *slog.Logger) {
	sweep := notify.Sweeper(s.Deliverer, log, s.scheduled...)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A failure is logged by the sweeper; the next tick tries again.
			_ = sweep(ctx)
		}
	}
}

// Wait blocks until every mail handed to the background has been tried.
// Tests call it instead of sleeping.
func (s *server) Wait() { s.deliveries.Wait() }

// Close stops background work and the embedded emulator.
func (s *server) Close() {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		s.loops.Wait()
		s.deliveries.Wait()
		// Last, once nothing writes any more: the file holds every
		// acknowledged submission and the mail it implied.
		if s.data != nil {
			if err := s.data.save(context.Background()); err != nil {
				s.log.Error("data not saved", "file", s.data.path, "err", err)
			}
		}
		for _, c := range s.closers {
			c()
		}
	})
}

// dataSaveEvery is how often changed data goes to the data file.
const dataSaveEvery = 2 * time.Second

// saveLoop writes the data file whenever something changed since the last
// write, at most every interval.
func (s *server) saveLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !s.data.dirty.Swap(false) {
				continue
			}
			if err := s.data.save(ctx); err != nil && ctx.Err() == nil {
				s.data.dirty.Store(true)
				s.log.Error("data not saved", "file", s.data.path, "err", err)
			}
		}
	}
}
