// Package emulator serves the DynamoDB emulator that the local server and
// the tests embed (minidyn), with a defect of it mended that the store's
// own requests would otherwise meet.
package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Handler serves emu, minidyn's HTTP server.
//
// minidyn v0.8.2 corrupts its index when an UpdateItem gives an item its
// first index key (index.updateData replaces another item's entry in its
// sorted keys instead of adding one), and from then on index queries miss
// items. DynamoDB does this every time a mail written outside the due index
// is sent, rescheduled or handed to the sweeper. Handler serves such an
// update in two steps minidyn gets right: the update with the index
// attributes under other names, then a put of the item with them under
// their own (a put adds a new entry correctly). Writes are served one at a
// time, so no other write falls between the two steps. Only index attributes
// named in the update expression itself are seen (not through
// ExpressionAttributeNames), as the store writes them. TestIndexDefect
// notices when minidyn is fixed.
func Handler(emu http.Handler) http.Handler { return &handler{emu: emu} }

type handler struct {
	emu    http.Handler
	writes sync.Mutex
}

// indexAttr matches the index's key attributes in an update expression.
var indexAttr = regexp.MustCompile(`\bgsi1(pk|sk)\b`)

// aside is the prefix the index attributes carry between the two steps.
const aside = "mended_"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch op(r) {
	case "UpdateItem":
		h.writes.Lock()
		defer h.writes.Unlock()
		h.update(w, r)
	case "PutItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
		h.writes.Lock()
		defer h.writes.Unlock()
		h.emu.ServeHTTP(w, r)
	default:
		h.emu.ServeHTTP(w, r)
	}
}

func op(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	return target[strings.LastIndex(target, ".")+1:]
}

func (h *handler) update(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var in struct {
		TableName        string
		Key              json.RawMessage
		UpdateExpression string
	}
	if json.Unmarshal(body, &in) != nil || !indexAttr.MatchString(in.UpdateExpression) || h.indexed(r, in.TableName, in.Key) {
		h.emu.ServeHTTP(w, withBody(r, body))
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req["UpdateExpression"], _ = json.Marshal(indexAttr.ReplaceAllString(in.UpdateExpression, aside+"$0"))
	first := h.call(r, "UpdateItem", req)
	if first.status == http.StatusOK {
		item := h.item(r, in.TableName, in.Key)
		moved := false
		for _, name := range []string{"gsi1pk", "gsi1sk"} {
			if v, ok := item[aside+name]; ok {
				item[name], moved = v, true
				delete(item, aside+name)
			}
		}
		if moved {
			table, _ := json.Marshal(in.TableName)
			itemJSON, _ := json.Marshal(item)
			put := h.call(r, "PutItem", map[string]json.RawMessage{"TableName": table, "Item": itemJSON})
			if put.status != http.StatusOK {
				put.send(w)
				return
			}
		}
	}
	// ReturnValues name the attributes as the caller wrote them.
	first.body = bytes.ReplaceAll(first.body, []byte(`"`+aside+"gsi1"), []byte(`"gsi1`))
	first.send(w)
}

// indexed reports whether the item with key has both index attributes.
func (h *handler) indexed(r *http.Request, table string, key json.RawMessage) bool {
	item := h.item(r, table, key)
	_, pk := item["gsi1pk"]
	_, sk := item["gsi1sk"]
	return pk && sk
}

// item reads the item with key as stored; nil if there is none.
func (h *handler) item(r *http.Request, table string, key json.RawMessage) map[string]json.RawMessage {
	name, _ := json.Marshal(table)
	res := h.call(r, "GetItem", map[string]json.RawMessage{"TableName": name, "Key": key, "ConsistentRead": json.RawMessage("true")})
	var out struct{ Item map[string]json.RawMessage }
	if res.status != http.StatusOK || json.Unmarshal(res.body, &out) != nil {
		return nil
	}
	return out.Item
}

// call sends one request of operation to the emulator, as r was sent.
func (h *handler) call(r *http.Request, operation string, in map[string]json.RawMessage) *recorder {
	body, _ := json.Marshal(in)
	req := withBody(r, body)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+operation)
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.emu.ServeHTTP(rec, req)
	return rec
}

func withBody(r *http.Request, body []byte) *http.Request {
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return req
}

// recorder keeps one answer of the emulator.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) { rec.status = status }

func (rec *recorder) Write(p []byte) (int, error) {
	rec.body = append(rec.body, p...)
	return len(p), nil
}

func (rec *recorder) send(w http.ResponseWriter) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body)
}
