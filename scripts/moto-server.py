"""moto_server, with the one fix this harness applies to moto 5.2.5.

    .venv/moto/bin/python scripts/moto-server.py -H 127.0.0.1 -p PORT

moto's CloudFormation model of AWS::KMS::Key passes the template's `Tags` straight to
KMS's CreateKey, which takes tags as {TagKey, TagValue}; CloudFormation's form is
{Key, Value}, so every tagged key (sleuthc tags every taggable resource) fails with
KeyError 'TagKey' and a 500. This converts the form before moto's own code runs, and
changes nothing else. Without it, every stack with a KMS key would have to be skipped.
The templates are never bent toward moto: the fix is on moto's side, here.
"""

import sys

from moto.kms.models import Key
from moto.server import main

_create = Key.create_from_cloudformation_json.__func__


def _create_with_cloudformation_tags(cls, resource_name, cloudformation_json, *args, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    tags = properties.get("Tags")
    if isinstance(tags, list):
        api_tags = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in tags
        ]
        cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Tags": api_tags}}
    return _create(cls, resource_name, cloudformation_json, *args, **kwargs)


Key.create_from_cloudformation_json = classmethod(_create_with_cloudformation_tags)

if __name__ == "__main__":
    sys.exit(main())
