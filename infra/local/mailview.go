package main

import (
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"net/textproto"
	"os"
	"regexp"
	"slices"
	"strings"
)

// mailViewer serves the mail dir as pages, so someone trying the local
// server reads a mail and follows its confirm or cancel link in a browser
// instead of decoding quoted-printable by hand. Only the local server has
// it: in AWS mail goes to SES and no function serves /_dev.
type mailViewer struct {
	dir string
}

// listLimit keeps the overview quick on a mail dir that has grown for weeks.
const listLimit = 200

// mailFile is how the mail dir names its files: <UTC time>-<random>.eml.
var mailFile = regexp.MustCompile(`^[0-9A-Za-z._-]{1,100}\.eml$`)

func (v mailViewer) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /_dev/mail", v.list)
	mux.HandleFunc("GET /_dev/mail/{name}", v.show)
}

type mailSummary struct {
	Name, Subject, To, Date string
}

var listPage = template.Must(template.New("list").Parse(`<!doctype html>
<html lang="de" dir="ltr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Post des lokalen Servers</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:start;padding:.3rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}
a:focus{outline:3px solid #1d70b8}</style></head>
<body><main><h1>Post des lokalen Servers</h1>
<p>Jede Mail, die der Server geschrieben hat, neueste zuerst ({{.Dir}}). Die Links in den Mails führen zu diesem Server.</p>
{{if .Mails}}<table><thead><tr><th scope="col">Zeit (UTC)</th><th scope="col">Betreff</th><th scope="col">An</th><th scope="col">Datei</th></tr></thead><tbody>
{{range .Mails}}<tr><td>{{.Date}}</td><td><a href="/_dev/mail/{{.Name}}"><bdi>{{.Subject}}</bdi></a></td><td>{{.To}}</td><td><a href="/_dev/mail/{{.Name}}?raw=1">.eml</a></td></tr>
{{end}}</tbody></table>{{else}}<p>Noch keine Post.</p>{{end}}
</main></body></html>
`))

func (v mailViewer) list(w http.ResponseWriter, r *http.Request) {
	entries, err := os.ReadDir(v.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "mail dir: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && mailFile.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	// The names start with the time they were written.
	slices.Sort(names)
	slices.Reverse(names)
	names = names[:min(len(names), listLimit)]
	mails := make([]mailSummary, 0, len(names))
	dec := new(mime.WordDecoder)
	for _, name := range names {
		m, f, err := v.open(name)
		if err != nil {
			continue // removed since ReadDir, or not a mail: not this page's concern
		}
		s := mailSummary{Name: name, Subject: m.Header.Get("Subject"), To: m.Header.Get("To"), Date: m.Header.Get("Date")}
		f.Close()
		if d, err := dec.DecodeHeader(s.Subject); err == nil {
			s.Subject = d
		}
		if d, err := m.Header.Date(); err == nil {
			s.Date = d.UTC().Format("2006-01-02 15:04:05")
		}
		mails = append(mails, s)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = listPage.Execute(w, struct {
		Dir   string
		Mails []mailSummary
	}{v.dir, mails})
}

// show answers one mail's HTML part as the recipient's mail program shows
// it, or the whole file with ?raw=1.
func (v mailViewer) show(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !mailFile.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	m, f, err := v.open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	if r.URL.Query().Has("raw") {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		_, _ = io.Copy(w, f)
		return
	}
	body, err := htmlPart(textproto.MIMEHeader(m.Header), m.Body)
	if err != nil || body == nil {
		http.Error(w, "this mail has no HTML part", http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The mail's own HTML: inline styles as in a mail program, nothing
	// loaded from anywhere, forms posting only back here.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'")
	_, _ = w.Write(body)
}

func (v mailViewer) open(name string) (*netmail.Message, *os.File, error) {
	f, err := os.OpenInRoot(v.dir, name)
	if err != nil {
		return nil, nil, err
	}
	m, err := netmail.ReadMessage(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return m, f, nil
}

// htmlPart finds the first text/html part, decoded; nil if there is none.
// multipart.Reader decodes quoted-printable itself; base64 is left to us.
func htmlPart(h textproto.MIMEHeader, body io.Reader) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			if b, err := htmlPart(part.Header, part); b != nil || err != nil {
				return b, err
			}
		}
	}
	if mt != "text/html" {
		return nil, nil
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable": // a single-part mail; parts come decoded
		body = quotedprintable.NewReader(body)
	}
	return io.ReadAll(body)
}
