"""Event-pattern cases from AWS's documentation ("event patterns", "content filtering", "comparison
operators") and aws/event-ruler's README, shared by the unit tests and the TestEventPattern tests
against the running stack. Each case: (name, pattern, event, AWS's answer).
"""

from __future__ import annotations

import copy

# The EC2 state-change event of AWS's content-filtering page, with fields the examples use.
EVENT = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345499999999",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {
        "instance-id": "i-0123456789",
        "state": "RUNNING",
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "responseElements": None,
        "eventVersion": "",
        "sourceIPAddress": "10.0.0.123",
        "sourceIPv6": "2001:db8::1",
        "FileName": "image.png",
        "FilePath": "/usr/lib/libc.so",
        "eventSourceArn": "arn:aws:s3:::amzn-s3-demo-bucket/dir/photo.png",
        "tags": ["blue", "green"],
        "empty": [],
        "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 5}],
        "location": {"city": "New York", "day": "Monday"},
    },
}


def event_with(**detail) -> dict:
    event = copy.deepcopy(EVENT)
    event["detail"].update(detail)
    return event


def case(name: str, pattern: dict, expected: bool, event: dict | None = None) -> tuple:
    return (name, pattern, event or EVENT, expected)


D = "detail"
MATCHING = [
    # Exact values, on the envelope and in detail; matching is case-sensitive.
    case("exact source", {"source": ["aws.ec2"]}, True),
    case("exact is case-sensitive", {D: {"state": ["running"]}}, False),
    case("exact, one of several", {D: {"state": ["pending", "RUNNING"]}}, True),
    case("exact number", {D: {"c-count": [5]}}, True),
    case("string is not a number", {D: {"c-count": ["5"]}}, False),
    case("and: every field must match", {"source": ["aws.ec2"], D: {"state": ["STOPPED"]}}, False),
    case("envelope region and account", {"region": ["us-east-1"], "account": ["111122223333"]}, True),
    case("envelope detail-type", {"detail-type": ["EC2 Instance State-change Notification"]}, True),
    case("nested object", {D: {"location": {"city": ["New York"], "day": ["Monday"]}}}, True),
    case("missing field does not match", {D: {"nope": ["x"]}}, False),
    # Null and empty values.
    case("null matches null", {D: {"responseElements": [None]}}, True),
    case("empty string matches empty string", {D: {"eventVersion": [""]}}, True),
    case("null is not an empty string", {D: {"responseElements": [""]}}, False),
    # Prefix, also on `time`, and ignoring case.
    case("prefix on time", {"time": [{"prefix": "2015-11-11"}]}, True),
    case("prefix on time, other day", {"time": [{"prefix": "2015-11-12"}]}, False),
    case("prefix", {"source": [{"prefix": "aws."}]}, True),
    case("prefix, no match", {"source": [{"prefix": "aws.s3"}]}, False),
    case("prefix ignoring case", {D: {"state": [{"prefix": {"equals-ignore-case": "run"}}]}}, True),
    # Suffix.
    case("suffix", {D: {"FileName": [{"suffix": ".png"}]}}, True),
    case("suffix, no match", {D: {"FileName": [{"suffix": ".jpg"}]}}, False),
    case("suffix ignoring case", {D: {"FileName": [{"suffix": {"equals-ignore-case": ".PNG"}}]}}, True),
    # Equals-ignore-case.
    case("equals-ignore-case", {D: {"state": [{"equals-ignore-case": "running"}]}}, True),
    case("equals-ignore-case, no match", {D: {"state": [{"equals-ignore-case": "stopped"}]}}, False),
    # Anything-but, every form.
    case("anything-but string", {D: {"state": [{"anything-but": "initializing"}]}}, True),
    case("anything-but string, excluded", {D: {"state": [{"anything-but": "RUNNING"}]}}, False),
    case("anything-but list", {D: {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, True),
    case("anything-but list, excluded", {D: {"state": [{"anything-but": ["stopped", "RUNNING"]}]}}, False),
    case("anything-but number", {D: {"c-count": [{"anything-but": 100}]}}, True),
    case("anything-but number list, excluded", {D: {"c-count": [{"anything-but": [4, 5]}]}}, False),
    case("anything-but prefix", {"region": [{"anything-but": {"prefix": "us-"}}]}, False),
    case("anything-but prefix, kept", {"region": [{"anything-but": {"prefix": "eu-"}}]}, True),
    case("anything-but suffix", {D: {"FileName": [{"anything-but": {"suffix": ".png"}}]}}, False),
    case("anything-but suffix, kept", {D: {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}, True),
    case("anything-but ignoring case", {D: {"state": [{"anything-but": {"equals-ignore-case": "running"}}]}}, False),
    case(
        "anything-but ignoring case, list",
        {D: {"state": [{"anything-but": {"equals-ignore-case": ["stopped", "pending"]}}]}},
        True,
    ),
    case("anything-but wildcard", {D: {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, False),
    case("anything-but wildcard, kept", {D: {"FilePath": [{"anything-but": {"wildcard": "*/bin/*"}}]}}, True),
    case("anything-but needs the field", {D: {"nope": [{"anything-but": "x"}]}}, False),
    # Numeric, every form.
    case(
        "numeric, AWS's example",
        {
            D: {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        True,
    ),
    case("numeric >", {D: {"c-count": [{"numeric": [">", 5]}]}}, False),
    case("numeric >=", {D: {"c-count": [{"numeric": [">=", 5]}]}}, True),
    case("numeric <", {D: {"c-count": [{"numeric": ["<", 5]}]}}, False),
    case("numeric <=", {D: {"c-count": [{"numeric": ["<=", 5]}]}}, True),
    case("numeric =", {D: {"x-limit": [{"numeric": ["=", 301.8]}]}}, True),
    case("numeric range, outside", {D: {"c-count": [{"numeric": [">", 5, "<", 10]}]}}, False),
    case("numeric on a string", {D: {"state": [{"numeric": [">", 0]}]}}, False),
    # Exists, on values, null, arrays and missing fields.
    case("exists true", {D: {"state": [{"exists": True}]}}, True),
    case("exists false on a missing field", {D: {"nope": [{"exists": False}]}}, True),
    case("exists true on a missing field", {D: {"nope": [{"exists": True}]}}, False),
    case("exists true on null", {D: {"responseElements": [{"exists": True}]}}, True),
    case("exists true on an array", {D: {"tags": [{"exists": True}]}}, True),
    case("exists true on an empty array", {D: {"empty": [{"exists": True}]}}, False),
    case("exists false on an empty array", {D: {"empty": [{"exists": False}]}}, True),
    case("exists false in a missing object", {D: {"nope": {"inner": [{"exists": False}]}}}, True),
    # CIDR, IPv4 and IPv6.
    case("cidr", {D: {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, True),
    case("cidr, outside", {D: {"sourceIPAddress": [{"cidr": "10.0.1.0/24"}]}}, False),
    case("cidr IPv6", {D: {"sourceIPv6": [{"cidr": "2001:db8::/32"}]}}, True),
    case("cidr on a non-address", {D: {"state": [{"cidr": "10.0.0.0/8"}]}}, False),
    # Wildcard.
    case("wildcard", {D: {"eventSourceArn": [{"wildcard": "arn:aws:s3:::amzn-s3-demo-bucket/*.png"}]}}, True),
    case(
        "wildcard, no match", {D: {"eventSourceArn": [{"wildcard": "arn:aws:s3:::amzn-s3-demo-bucket/*.jpg"}]}}, False
    ),
    case("wildcard, two stars", {D: {"FilePath": [{"wildcard": "/usr/*/lib*"}]}}, True),
    case("wildcard, escaped star", {D: {"FilePath": [{"wildcard": "/usr/lib/libc\\*"}]}}, False),
    case(
        "wildcard, escaped star matches a star",
        {D: {"FilePath": [{"wildcard": "a\\*b"}]}},
        True,
        event_with(FilePath="a*b"),
    ),
    # $or, in detail and at the top level.
    case(
        "$or, AWS's example",
        {
            D: {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                    {"x-limit": [{"numeric": ["=", 3.018e2]}]},
                ]
            }
        },
        True,
    ),
    case("$or at the top", {"$or": [{"source": ["aws.s3"]}, {"detail-type": ["nothing"]}]}, False),
    case("$or at the top, one branch", {"$or": [{"source": ["aws.s3"]}, {"region": ["us-east-1"]}]}, True),
    # Arrays of values: a match when the arrays intersect.
    case("array of values, envelope", {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]}, True),
    case("array of values, detail", {D: {"tags": ["green", "red"]}}, True),
    case("array of values, no intersection", {D: {"tags": ["red"]}}, False),
    case("operator on an array", {D: {"tags": [{"prefix": "gr"}]}}, True),
    # Arrays of objects: fields of one element match together.
    case("array of objects", {D: {"items": {"sku": ["B"]}}}, True),
    case("array of objects, same element", {D: {"items": {"sku": ["B"], "qty": [{"numeric": [">", 2]}]}}}, True),
    case(
        "array of objects, not across elements", {D: {"items": {"sku": ["A"], "qty": [{"numeric": [">", 2]}]}}}, False
    ),
]

# Patterns AWS rejects on a bus (PutRule, TestEventPattern) and so in a pipe too: (name, pattern, reason).
INVALID = [
    ("not JSON", '{"source": [', "not valid JSON"),
    ("not an object", "[1]", "JSON object"),
    ("a value that is not an array", {"source": "aws.ec2"}, "object or an array"),
    ("an empty array", {"source": []}, "empty arrays"),
    ("a nested array", {"source": [["aws.ec2"]]}, "nested arrays"),
    ("an operator name in the wrong case", {"source": [{"Prefix": "aws."}]}, "unrecognized match type 'Prefix'"),
    ("an unknown operator", {"source": [{"startsWith": "aws."}]}, "unrecognized match type"),
    ("two operators in one object", {"source": [{"prefix": "a", "suffix": "b"}]}, "exactly one operator"),
    ("a number for prefix", {"source": [{"prefix": 5}]}, "'prefix' match pattern must be a string"),
    ("a list for suffix", {"source": [{"suffix": [".png"]}]}, "'suffix' match pattern must be a string"),
    ("null for equals-ignore-case", {"source": [{"equals-ignore-case": None}]}, "must be a string"),
    ("a string for exists", {"source": [{"exists": "true"}]}, "true or false"),
    ("a malformed CIDR", {"ip": [{"cidr": "10.0.0.0/33"}]}, "not a valid CIDR"),
    ("a CIDR that is no address", {"ip": [{"cidr": "ten.zero"}]}, "not a valid CIDR"),
    ("a number for cidr", {"ip": [{"cidr": 10}]}, "must be a string"),
    ("numeric with a string bound", {"n": [{"numeric": ["=", "5"]}]}, "'numeric'"),
    ("numeric with an unknown operator", {"n": [{"numeric": ["!=", 5]}]}, "'numeric'"),
    ("numeric with two lower bounds", {"n": [{"numeric": [">", 5, ">", 6]}]}, "'numeric'"),
    ("numeric upper bound first", {"n": [{"numeric": ["<", 10, ">", 5]}]}, "'numeric'"),
    ("numeric empty range", {"n": [{"numeric": [">", 10, "<", 5]}]}, "'numeric'"),
    ("numeric out of range", {"n": [{"numeric": [">", 6e9]}]}, "'numeric'"),
    ("numeric of odd length", {"n": [{"numeric": [">", 1, "<"]}]}, "'numeric'"),
    ("empty prefix inside anything-but", {"s": [{"anything-but": {"prefix": ""}}]}, "must not be empty"),
    ("empty suffix inside anything-but", {"s": [{"anything-but": {"suffix": ""}}]}, "must not be empty"),
    ("a number prefix inside anything-but", {"s": [{"anything-but": {"prefix": 1}}]}, "must be a string"),
    ("an unknown anything-but operator", {"s": [{"anything-but": {"numeric": [">", 1]}}]}, "'anything-but' object"),
    ("mixed anything-but list", {"s": [{"anything-but": ["a", 1]}]}, "only strings or only numbers"),
    ("a boolean anything-but list", {"s": [{"anything-but": [True]}]}, "only strings or only numbers"),
    ("consecutive wildcards", {"s": [{"wildcard": "a**b"}]}, "consecutive wildcard"),
    ("an escape a wildcard does not know", {"s": [{"wildcard": "a\\b"}]}, "may be escaped"),
    ("a list for wildcard", {"s": [{"wildcard": ["a*"]}]}, "must be a string"),
    ("$or with one branch", {"$or": [{"source": ["a"]}]}, "'$or'"),
    ("$or that is not a list", {"$or": {"source": ["a"]}}, "'$or'"),
]

# Valid on a bus, rejected by CreatePipe: AWS's comparison-operator table marks them bus-only.
BUS_ONLY = [
    ("anything-but prefix", {"s": [{"anything-but": {"prefix": "us-"}}]}),
    ("anything-but suffix", {"s": [{"anything-but": {"suffix": ".png"}}]}),
    ("anything-but equals-ignore-case", {"s": [{"anything-but": {"equals-ignore-case": "x"}}]}),
    ("anything-but wildcard", {"s": [{"anything-but": {"wildcard": "*/lib/*"}}]}),
]
