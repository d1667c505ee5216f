package main

// Today's on-demand prices in eu-central-1 (Frankfurt), USD, as make bench
// prices a million submissions with them. AWS's own pricing pages render
// their regional tables with JavaScript, so they could not be read for
// Frankfurt when these were set (issue 11); each says where it comes from
// and whether the Frankfurt figure was seen there. Unverified figures are
// printed as such under the table.
type price struct {
	usd      float64
	per      string
	verified bool
	source   string
}

var (
	// DynamoDB on-demand write request units. The November 2024 cut halved
	// on-demand throughput prices; us-east-1 is $0.625 per million WRU
	// after it (https://airbyte.com/data-engineering-resources/dynamodb-pricing).
	// Frankfurt has been 1.22 × us-east-1 ($1.525 before the cut), so
	// $0.7625: not seen on a page, unverified.
	dynamoWRU = price{0.7625, "million write request units", false,
		"https://aws.amazon.com/dynamodb/pricing/on-demand/ (us-east-1 $0.625 seen at https://airbyte.com/data-engineering-resources/dynamodb-pricing)"}

	// SES outbound mail, the same in every region: $0.10 per 1,000
	// (https://www.acecloudinterviews.com/tutorials/aws/ses/; AWS's FAQ,
	// https://aws.amazon.com/ses/faqs/, points at the pricing page for it).
	sesPer1000 = price{0.10, "1,000 emails", true,
		"https://aws.amazon.com/ses/pricing/ (figure seen at https://www.acecloudinterviews.com/tutorials/aws/ses/)"}

	// Lambda on arm64: $0.20 per million requests and $0.0000133334 per
	// GB-second, first tier (us-east-1 at
	// https://git.mcrn.ar/mariano/lambda_local_runner/src/branch/main/docs/lambdas-md/lambda-13-cost.md
	// and https://cloudchipr.com/blog/aws-lambda-pricing). Frankfurt charges
	// the same for both as far as known, but no page showed it: unverified.
	lambdaRequest = price{0.20, "million requests", false,
		"https://aws.amazon.com/lambda/pricing/ (us-east-1 figure seen at https://cloudchipr.com/blog/aws-lambda-pricing)"}
	lambdaGBSecond = price{0.0000133334, "GB-second (arm64)", false,
		"https://aws.amazon.com/lambda/pricing/ (us-east-1 figure seen at https://cloudchipr.com/blog/aws-lambda-pricing)"}

	// API Gateway HTTP API, first 300 million requests a month. AWS's
	// whitepaper gives $1.00 for us-east-1
	// (https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html);
	// Frankfurt is $1.20 as far as known: unverified.
	httpAPIRequest = price{1.20, "million requests", false,
		"https://aws.amazon.com/api-gateway/pricing/ (us-east-1 $1.00 seen in the AWS whitepaper on private APIs, cost optimization)"}
)

// Assumptions of the cost per million submissions, beyond what make bench
// measures. A submission is one HTTP API request and one invocation of an
// API function; each mail one invocation of the notifier (the stream
// batches up to 10, so this is the most it costs), two single writes of the
// outbox item under 1 KB (claim, then sent) and one SES send.
const (
	// apiBilledMs is the billed duration of the API function per
	// submission: a few DynamoDB round trips in the region and our own
	// work, which make bench measures at about 1 ms on a whole core (the
	// warm rows) and stretches at a fraction of one.
	apiBilledMs = 50
	// notifierBilledMs is one mail: claim, render, SES SendEmail, mark sent.
	notifierBilledMs = 150
	// notifierWRUPerMail: the claim and the sent mark, each a single
	// UpdateItem of an item under 1 KB (not metered here).
	notifierWRUPerMail = 2
)
