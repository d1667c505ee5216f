package partner

import (
	"context"
	"crypto/hmac"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Input is an application as the form sends it.
type Input struct {
	Organisation     string   `json:"organisation"`
	OrganisationType string   `json:"organisationType"`
	ContactName      string   `json:"contactName"`
	Email            string   `json:"email"`
	Phone            string   `json:"phone"`
	Website          string   `json:"website"`
	WorkingGroups    []string `json:"workingGroups"`
	RegionalNetworks []string `json:"regionalNetworks"`
	Message          string   `json:"message"`
	Consent          bool     `json:"consent"`
	Locale           string   `json:"locale"`
}

// Limits of the free-text fields, in characters.
const (
	MaxOrganisation = 200
	MaxName         = 120
	MaxMessage      = 2000
)

// Service runs the application flow.
type Service struct {
	Store  Store
	Config *network.Config
	Keys   *secret.Keys
	Now    func() time.Time
	// Log hears of mails left to Reconcile; nil is slog's default.
	Log *slog.Logger
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Parse turns input into an application, reporting every field problem.
func (s *Service) Parse(in Input, locale string) (Application, error) {
	var f apperr.Fields
	app := Application{
		Organisation:     validate.Line(&f, "organisation", in.Organisation, true, MaxOrganisation),
		OrganisationType: validate.Choice(&f, "organisationType", in.OrganisationType, s.Config.OrganisationTypes),
		ContactName:      validate.Line(&f, "contactName", in.ContactName, true, MaxName),
		Email:            validate.Email(&f, "email", in.Email),
		Phone:            validate.Phone(&f, "phone", in.Phone),
		Website:          validate.Website(&f, "website", in.Website),
		WorkingGroups:    validate.Choices(&f, "workingGroups", in.WorkingGroups, s.Config.WorkingGroups, true),
		RegionalNetworks: validate.Choices(&f, "regionalNetworks", in.RegionalNetworks, s.Config.RegionalNetworks(), false),
		Message:          validate.Text(&f, "message", in.Message, false, MaxMessage),
		Locale:           locale,
	}
	validate.Consent(&f, "consent", in.Consent)
	return app, f.Err()
}

// DedupKey identifies an organisation applying with an address, however
// the name's case and spacing were typed.
func DedupKey(keys *secret.Keys, addr, organisation string) string {
	org := strings.ToLower(strings.Join(strings.Fields(organisation), " "))
	return keys.Hash("partner-application", email.Key(addr)+"\x00"+org)
}

// Register stores a new application and queues its confirm mail. An
// application the same organisation already made with the same address
// and that still waits is not stored twice: its holder gets, by mail, what
// they need (the confirm link again while unconfirmed, word that it is
// being reviewed after). The caller learns nothing of which happened; both
// paths make the same storage calls (a lock read, then one transaction).
func (s *Service) Register(ctx context.Context, in Input, locale string) (Result, error) {
	app, err := s.Parse(in, locale)
	if err != nil {
		return Result{}, err
	}
	now := s.Now().UTC()
	app.DedupKey = DedupKey(s.Keys, app.Email, app.Organisation)
	lock, err := s.Store.Lock(ctx, app.DedupKey)
	if err == nil {
		return s.resend(ctx, lock, app, now)
	}
	if !errors.Is(err, ErrNotFound) {
		return Result{}, apperr.OrUnavailable(err)
	}
	app.ID = id.New(now)
	app.Status = PendingConfirmation
	app.CreatedAt = now
	app.Consent = Consent{At: now, PolicyVersion: s.Config.Privacy.Version}
	app.ExpiresAt = now.Add(network.Days(s.Config.Retention.UnconfirmedApplicationDays))
	app.Link = Link{Nonce: secret.NewNonce(), ExpiresAt: now.Add(s.Config.TokenValidity())}
	_, err = s.Store.Create(ctx, app, s.firstMail(app, now))
	if errors.Is(err, ErrMailNotQueued) {
		// The application is stored, which is what the answer promises;
		// the sweeper writes the mail from it within minutes.
		s.log().WarnContext(ctx, "application mail left to the sweeper", "application", app.ID, "err", err)
		err = nil
	}
	if errors.Is(err, ErrDuplicate) {
		// The same application arrived at the same moment: answer as a
		// repeat of the one that won.
		if lock, err = s.Store.Lock(ctx, app.DedupKey); err == nil {
			return s.resend(ctx, lock, app, now)
		}
	}
	if err != nil {
		return Result{}, apperr.OrUnavailable(err)
	}
	return Result{ID: app.ID, Status: PendingConfirmation, Created: true}, nil
}

// Result says which application a registration stored or repeated. It is
// for the system's own use: the person who submitted learns none of it.
type Result struct {
	ID      string
	Status  Status
	Created bool // false for a repeat of a pending application
}

// linkKind is the kind a confirm link names its application by
// ("a.<id>.<token>", see secret.LinkToken).
const linkKind = "a"

func linkRef(appID string) string { return linkKind + "." + appID }

// confirmMail is the mail that carries application appID's confirm link.
// The address is not verified yet: the mail carries none of the text the
// applicant typed, so the form cannot send words to a stranger.
// firstMail is the confirm mail a new application queues, and the one
// Reconcile writes if that failed: its id derives from the application's,
// so it is written once whoever writes it.
func (s *Service) firstMail(app Application, now time.Time) outbox.Mail {
	m := s.confirmMail(app.ID, app.Email, app.Locale, app.Link, now)
	m.ID = id.Derive(app.ID, m.Template)
	return m
}

func (s *Service) confirmMail(appID, addr, locale string, link Link, now time.Time) outbox.Mail {
	return outbox.Mail{
		ID:         id.New(now),
		Template:   "partner.confirm",
		Locale:     locale,
		To:         []string{addr},
		TokenNonce: link.Nonce,
		LinkRef:    linkRef(appID),
		Data:       map[string]string{"expiresAt": link.ExpiresAt.Format(time.RFC3339)},
		Unverified: true,
		CreatedAt:  now,
	}
}

// resend tells the holder of a pending application where it stands, in the
// language of the repeat.
func (s *Service) resend(ctx context.Context, lock Lock, app Application, now time.Time) (Result, error) {
	var link *Link
	var m outbox.Mail
	switch lock.Status {
	case PendingConfirmation:
		cur := lock.Link
		// The same link again, so every mail about the application opens
		// it; stored anew only when it has less than half its validity
		// left (then it works a full validity from now) or the application
		// predates links kept in it.
		if cur.Nonce == "" || cur.ExpiresAt.Sub(now) < s.Config.TokenValidity()/2 {
			if cur.Nonce == "" {
				cur.Nonce = secret.NewNonce()
			}
			cur.ExpiresAt = now.Add(s.Config.TokenValidity())
			link = &cur
		}
		m = s.confirmMail(lock.AppID, app.Email, app.Locale, cur, now)
	default:
		m = outbox.Mail{
			ID: id.New(now), Template: "partner.inreview", Locale: app.Locale, To: []string{app.Email},
			Unverified: true, CreatedAt: now,
		}
	}
	err := s.Store.Resend(ctx, lock, link, m)
	if errors.Is(err, ErrState) {
		// Confirmed, decided or expired since the lock was read: the
		// holder's next repeat will get the mail that fits then.
		err = nil
	}
	if err != nil {
		return Result{}, apperr.OrUnavailable(err)
	}
	return Result{ID: lock.AppID, Status: lock.Status}, nil
}

// Lookup resolves a confirm token without changing anything, for the page
// a mail link opens (mail scanners prefetch links). A wrong token, a
// malformed one and one naming an unknown application all answer as an
// unknown token does, so the answer tells a stranger nothing.
func (s *Service) Lookup(ctx context.Context, token string) (Application, error) {
	invalid := apperr.New(apperr.NotFound, "problem.link_invalid")
	if token == "" || len(token) > 100 {
		return Application{}, invalid
	}
	if !strings.Contains(token, ".") {
		return s.lookupTokenItem(ctx, token)
	}
	kind, appID, tok, ok := secret.SplitLink(token)
	if !ok || kind != linkKind || !id.Valid(appID) {
		return Application{}, invalid
	}
	app, err := s.Store.StoredApplication(ctx, appID)
	if errors.Is(err, ErrNotFound) {
		return Application{}, invalid
	}
	if err != nil {
		return Application{}, apperr.OrUnavailable(err)
	}
	if app.Link.Nonce == "" || !hmac.Equal([]byte(tok), []byte(s.Keys.Token(app.Link.Nonce))) {
		return Application{}, invalid
	}
	now := s.Now()
	if !now.Before(app.Link.ExpiresAt) || (!app.ExpiresAt.IsZero() && !now.Before(app.ExpiresAt)) {
		return Application{}, apperr.New(apperr.Gone, "problem.gone")
	}
	return app, nil
}

// lookupTokenItem resolves a link mailed before applications kept their
// link: its token's hash is an item of its own. Delete it (and Store.Token,
// Token, ConfirmPurpose) once the longest confirm-token lifetime, the
// configuration's tokenValidityHours (at most 720), has passed since the
// release that stopped writing confirm token items: none is live then.
func (s *Service) lookupTokenItem(ctx context.Context, token string) (Application, error) {
	t, err := s.Store.Token(ctx, secret.TokenHash(token))
	if errors.Is(err, ErrExpired) {
		return Application{}, apperr.New(apperr.Gone, "problem.gone")
	}
	if errors.Is(err, ErrNotFound) || (err == nil && t.Purpose != ConfirmPurpose) {
		return Application{}, apperr.New(apperr.NotFound, "problem.link_invalid")
	}
	if err != nil {
		return Application{}, apperr.OrUnavailable(err)
	}
	if !s.Now().Before(t.ExpiresAt) {
		return Application{}, apperr.New(apperr.Gone, "problem.gone")
	}
	app, err := s.Store.Application(ctx, t.Ref)
	if errors.Is(err, ErrNotFound) {
		return Application{}, apperr.New(apperr.Gone, "problem.gone")
	}
	if err != nil {
		return Application{}, apperr.OrUnavailable(err)
	}
	return app, nil
}

// Confirm is the applicant pressing the button: the application moves on to
// review and the coordinators are told. Pressing it twice is harmless.
func (s *Service) Confirm(ctx context.Context, token string) (Status, error) {
	app, err := s.Lookup(ctx, token)
	if err != nil {
		return "", err
	}
	if app.Status != PendingConfirmation {
		return app.Status, nil
	}
	now := s.Now().UTC()
	m := s.reviewMail(app, now)
	err = s.Store.Confirm(ctx, app.ID, now, now.Add(network.Days(s.Config.Retention.PendingReviewDays)), m)
	if errors.Is(err, ErrState) || errors.Is(err, ErrNotFound) {
		// Someone pressed it at the same moment, or it expired since the
		// lookup; report what is stored now.
		app, err = s.Store.Application(ctx, app.ID)
		if errors.Is(err, ErrNotFound) {
			return "", apperr.New(apperr.Gone, "problem.gone")
		}
		if err != nil {
			return "", apperr.OrUnavailable(err)
		}
		return app.Status, nil
	}
	if err != nil {
		return "", apperr.OrUnavailable(err)
	}
	return PendingReview, nil
}

// reviewMail tells the coordinators everything they need to decide, in the
// county's language; Reply-To reaches the applicant, whose address is now
// confirmed.
func (s *Service) reviewMail(app Application, now time.Time) outbox.Mail {
	cfg := s.Config
	locale := i18n.Default
	labels := func(list []network.Choice, ids []string) string {
		var out []string
		for _, id := range ids {
			if ch, ok := network.Find(list, id); ok {
				out = append(out, ch.Label.In(locale))
			}
		}
		return strings.Join(out, ", ")
	}
	orgType, _ := network.Find(cfg.OrganisationTypes, app.OrganisationType)
	var cc []string
	seen := map[string]bool{cfg.MainInbox(): true}
	for _, nid := range app.RegionalNetworks {
		if ch, ok := network.Find(cfg.RegionalNetworks(), nid); ok && ch.Inbox != "" && !seen[ch.Inbox] {
			seen[ch.Inbox] = true
			cc = append(cc, ch.Inbox)
		}
	}
	return outbox.Mail{
		ID:          id.New(now),
		Template:    "partner.review",
		Locale:      locale,
		To:          []string{cfg.MainInbox()},
		Cc:          cc,
		ReplyTo:     app.Email,
		ReplyToName: app.ContactName,
		Data: map[string]string{
			"applicationId":    app.ID,
			"organisation":     app.Organisation,
			"organisationType": orgType.Label.In(locale),
			"contactName":      app.ContactName,
			"email":            app.Email,
			"phone":            app.Phone,
			"website":          app.Website,
			"workingGroups":    labels(cfg.WorkingGroups, app.WorkingGroups),
			"regionalNetworks": labels(cfg.RegionalNetworks(), app.RegionalNetworks),
			"message":          app.Message,
			"applicantLocale":  app.Locale,
			"createdAt":        app.CreatedAt.Format(time.RFC3339),
			"consentAt":        app.Consent.At.Format(time.RFC3339),
			"consentVersion":   app.Consent.PolicyVersion,
		},
		CreatedAt: now,
	}
}

// Approved lists the network's partners for the public list.
func (s *Service) Approved(ctx context.Context) ([]Application, error) {
	apps, err := s.Store.Approved(ctx)
	if err != nil {
		return nil, apperr.OrUnavailable(err)
	}
	return apps, nil
}
