package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
)

// dataFile keeps the embedded emulator's table across restarts: loaded at
// start, written when something changed (at most every save interval) and
// at shutdown, always whole and atomically (a temporary file renamed), so
// a crash leaves the previous version, never half of one.
type dataFile struct {
	path  string
	api   dynamo.API
	table string
	dirty atomic.Bool
	mu    sync.Mutex // one save at a time
}

// dataFormat is the file: the table's items in DynamoDB's JSON notation.
type dataFormat struct {
	Table string                       `json:"table"`
	Items []map[string]json.RawMessage `json:"items"`
}

// load puts the file's items into the table; a missing file is an empty
// start.
func (d *dataFile) load(ctx context.Context) (int, error) {
	b, err := os.ReadFile(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var f dataFormat
	if err := json.Unmarshal(b, &f); err != nil {
		return 0, fmt.Errorf("data file %s: %w", d.path, err)
	}
	for i, raw := range f.Items {
		item, err := itemFromJSON(raw)
		if err != nil {
			return 0, fmt.Errorf("data file %s, item %d: %w", d.path, i, err)
		}
		if _, err := d.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &d.table, Item: item}); err != nil {
			return 0, fmt.Errorf("load item %d: %w", i, err)
		}
	}
	return len(f.Items), nil
}

// save writes the whole table to the file.
func (d *dataFile) save(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := dataFormat{Table: d.table, Items: []map[string]json.RawMessage{}}
	p := dynamodb.NewScanPaginator(d.api, &dynamodb.ScanInput{TableName: &d.table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read the table: %w", err)
		}
		for _, item := range page.Items {
			raw, err := itemToJSON(item)
			if err != nil {
				return err
			}
			f.Items = append(f.Items, raw)
		}
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.path), filepath.Base(d.path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone already after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), d.path)
}

// watched marks the data file dirty after every write that succeeds.
type watched struct {
	dynamo.API
	file *dataFile
}

func (w watched) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := w.API.PutItem(ctx, in, o...)
	w.changed(err)
	return out, err
}

func (w watched) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := w.API.UpdateItem(ctx, in, o...)
	w.changed(err)
	return out, err
}

func (w watched) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := w.API.TransactWriteItems(ctx, in, o...)
	w.changed(err)
	return out, err
}

func (w watched) changed(err error) {
	if err == nil {
		w.file.dirty.Store(true)
	}
}

// itemToJSON writes an item in DynamoDB's JSON notation ({"S": "…"}).
func itemToJSON(item map[string]types.AttributeValue) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(item))
	for k, v := range item {
		b, err := json.Marshal(valueToJSON(v))
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, nil
}

func valueToJSON(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]string{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]string{"N": v.Value}
	case *types.AttributeValueMemberBOOL:
		return map[string]bool{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]bool{"NULL": true}
	case *types.AttributeValueMemberB:
		return map[string]string{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberSS:
		return map[string][]string{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string][]string{"NS": v.Value}
	case *types.AttributeValueMemberL:
		list := make([]any, len(v.Value))
		for i, x := range v.Value {
			list[i] = valueToJSON(x)
		}
		return map[string][]any{"L": list}
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, x := range v.Value {
			m[k] = valueToJSON(x)
		}
		return map[string]map[string]any{"M": m}
	}
	return map[string]bool{"NULL": true}
}

func itemFromJSON(raw map[string]json.RawMessage) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(raw))
	for k, b := range raw {
		v, err := valueFromJSON(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

func valueFromJSON(b json.RawMessage) (types.AttributeValue, error) {
	var tagged map[string]json.RawMessage
	if err := json.Unmarshal(b, &tagged); err != nil || len(tagged) != 1 {
		return nil, fmt.Errorf("not a typed value: %s", b)
	}
	var tag string
	var v json.RawMessage
	for tag, v = range tagged { // the one entry
	}
	switch tag {
	case "S", "N", "B":
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		switch tag {
		case "S":
			return &types.AttributeValueMemberS{Value: s}, nil
		case "N":
			return &types.AttributeValueMemberN{Value: s}, nil
		}
		data, err := base64.StdEncoding.DecodeString(s)
		return &types.AttributeValueMemberB{Value: data}, err
	case "BOOL":
		var x bool
		err := json.Unmarshal(v, &x)
		return &types.AttributeValueMemberBOOL{Value: x}, err
	case "NULL":
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case "SS", "NS":
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, err
		}
		if tag == "SS" {
			return &types.AttributeValueMemberSS{Value: list}, nil
		}
		return &types.AttributeValueMemberNS{Value: list}, nil
	case "L":
		var list []json.RawMessage
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, err
		}
		out := make([]types.AttributeValue, len(list))
		for i, x := range list {
			av, err := valueFromJSON(x)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case "M":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, err
		}
		item, err := itemFromJSON(m)
		return &types.AttributeValueMemberM{Value: item}, err
	}
	return nil, fmt.Errorf("unknown type %q", tag)
}
