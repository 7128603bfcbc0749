"""The typed topology: one model of infra/topology.yaml for every reader.

Terraform decodes its normalized JSON (the build writes topology.json into the module); the local
runtime, ops/ and the tests read the same document. Not part of the Lambda package.
"""

from topology.loader import PROJECT_DIR, TOPOLOGY_FILE, TopologyError, default, document, load
from topology.model import Topology

__all__ = ["PROJECT_DIR", "TOPOLOGY_FILE", "Topology", "TopologyError", "default", "document", "load"]
