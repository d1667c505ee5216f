package dynamo_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

// itemSize is an item's size as DynamoDB bills it: per attribute the
// UTF-8 length of its name plus the size of its value.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

// valueSize follows "DynamoDB item sizes and formats" (developer guide):
// strings their UTF-8 bytes, binaries their raw bytes, numbers 1 byte per
// two significant digits plus 1, BOOL and NULL 1 byte, lists and maps 3
// bytes plus 1 per element plus the elements (a map element with its name).
func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for name, e := range v.Value {
			n += 1 + len(name) + valueSize(e)
		}
		return n
	}
	panic(fmt.Sprintf("itemSize: unknown attribute value %T", v))
}

// numberSize: leading and trailing zeros do not count, nor do the sign,
// the decimal point or an exponent.
func numberSize(s string) int {
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.TrimLeft(strings.NewReplacer("-", "", "+", "", ".", "").Replace(mant), "0")
	digits = strings.TrimRight(digits, "0")
	return (len(digits)+1)/2 + 1
}

func TestWriteUnitsSizeRules(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	for _, c := range []struct {
		item map[string]types.AttributeValue
		want int
	}{
		{map[string]types.AttributeValue{"pk": s("abc")}, 5},
		{map[string]types.AttributeValue{"name": s("Müller")}, 4 + 7},
		{map[string]types.AttributeValue{"n": n("0")}, 1 + 1},
		{map[string]types.AttributeValue{"n": n("1")}, 1 + 2},
		{map[string]types.AttributeValue{"n": n("12")}, 1 + 2},
		{map[string]types.AttributeValue{"n": n("123")}, 1 + 3},
		{map[string]types.AttributeValue{"n": n("1800000000")}, 1 + 2}, // 18
		{map[string]types.AttributeValue{"n": n("1790953200")}, 1 + 5}, // 17909532
		{map[string]types.AttributeValue{"n": n("-0.00120")}, 1 + 2},   // 12
		{map[string]types.AttributeValue{"b": &types.AttributeValueMemberBOOL{Value: true}}, 2},
		{map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{}}, 1 + 3},
		{map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab")}}}, 1 + 3 + 1 + 2},
		{map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"de": s("Hallo")}}}, 1 + 3 + 1 + 2 + 5},
	} {
		if got := itemSize(c.item); got != c.want {
			t.Errorf("itemSize(%v) = %d, want %d", c.item, got, c.want)
		}
	}
}

// kbOf is what a write unit covers: whole KB, rounded up.
func kbOf(bytes int) int { return max((bytes+1023)/1024, 1) }

// plenary is an event shaped like the demo's plenary meeting.
func plenary(now time.Time) event.Event {
	return event.Event{
		ID: id.New(now),
		Title: network.Text{
			"de": "Netzwerktreffen Integration (Plenum)",
			"en": "Integration network meeting (plenary)",
		},
		Description: network.Text{
			"de": "Treffen aller Partner: Berichte aus den Arbeitsgruppen, Zahlen, Daten, Fakten und neue Projekte.",
			"en": "Meeting of all partners: reports from the working groups, facts and figures, new projects.",
		},
		StartsAt: now.Add(21 * 24 * time.Hour), EndsAt: now.Add(21*24*time.Hour + 3*time.Hour),
		Location:             event.Location{Name: "Landratsamt Wartburgkreis, großer Sitzungssaal", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity:             60,
		RegistrationDeadline: now.Add(19 * 24 * time.Hour),
		Network:              "wartburgkreis",
		Published:            true,
	}
}
