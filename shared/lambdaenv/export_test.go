package lambdaenv

// HashKey and WarmDynamoDB let the external tests reach hashKey and
// warmDynamoDB.
var (
	HashKey      = hashKey
	WarmDynamoDB = warmDynamoDB
)
