package httpapi

import (
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// mailJSON is a mail's delivery state. A sent mail keeps no recipients.
type mailJSON struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Template      string   `json:"template"`
	Locale        string   `json:"locale"`
	To            []string `json:"to,omitempty"`
	Cc            []string `json:"cc,omitempty"`
	Attempts      int      `json:"attempts"`
	Reason        string   `json:"reason,omitempty"` // why the last attempt failed
	CreatedAt     string   `json:"createdAt"`
	NextAttemptAt string   `json:"nextAttemptAt,omitempty"`
	ParkedAt      string   `json:"parkedAt,omitempty"`
	SentAt        string   `json:"sentAt,omitempty"`
	RetriedAt     string   `json:"retriedAt,omitempty"`
	RetriedBy     string   `json:"retriedBy,omitempty"`
}

func toMailJSON(m outbox.Record) mailJSON {
	out := mailJSON{
		ID: m.ID, Status: string(m.Status), Template: m.Template, Locale: m.Locale,
		To: m.To, Cc: m.Cc, Attempts: m.Attempts, Reason: m.LastError,
		CreatedAt: rfc3339(m.CreatedAt), ParkedAt: rfc3339(m.ParkedAt), SentAt: rfc3339(m.SentAt),
		RetriedAt: rfc3339(m.RetriedAt), RetriedBy: m.RetriedBy,
	}
	if m.Status == outbox.Pending {
		out.NextAttemptAt = rfc3339(m.NextAttemptAt)
	}
	return out
}

func (a *API) adminListMail(w http.ResponseWriter, r *http.Request) {
	q, err := pageQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.Admin.Outbox.Mails(r.Context(), r.URL.Query().Get("status"), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]mailJSON, 0, len(page.Items))
	for _, m := range page.Items {
		out = append(out, toMailJSON(m))
	}
	writeJSON(w, http.StatusOK, struct {
		Mails []mailJSON `json:"mails"`
		Next  string     `json:"nextCursor,omitempty"`
	}{out, page.Next})
}

func (a *API) adminRetryMail(w http.ResponseWriter, r *http.Request) {
	m, err := a.Admin.Outbox.Retry(r.Context(), r.PathValue("id"), actor(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toMailJSON(m))
}

type suppressionJSON struct {
	Hash      string `json:"hash"` // the address's keyed hash, for DELETE
	Email     string `json:"email"`
	Reason    string `json:"reason"`
	At        string `json:"at"`
	ExpiresAt string `json:"expiresAt"`
}

func (a *API) adminListSuppressions(w http.ResponseWriter, r *http.Request) {
	q, err := pageQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.Admin.Outbox.Suppressions(r.Context(), q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]suppressionJSON, 0, len(page.Items))
	for _, s := range page.Items {
		out = append(out, suppressionJSON{
			Hash: s.EmailHash, Email: s.Email, Reason: s.Reason, At: rfc3339(s.At), ExpiresAt: rfc3339(s.ExpiresAt),
		})
	}
	writeJSON(w, http.StatusOK, struct {
		Suppressions []suppressionJSON `json:"suppressions"`
		Next         string            `json:"nextCursor,omitempty"`
	}{out, page.Next})
}

// adminDeleteSuppression lets mail reach the address again: 204, or 404 if
// it is not suppressed.
func (a *API) adminDeleteSuppression(w http.ResponseWriter, r *http.Request) {
	if err := a.Admin.Outbox.Unsuppress(r.Context(), r.PathValue("hash"), actor(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
