"""The pyvmomi peer of the benchmark page: lists the name and power state of every VM through one
ContainerView and RetrievePropertiesEx without maxObjects (the server chooses the page), following
tokens, and prints `name<TAB>state` lines sorted by name, then `N VMs` (as esx-vi's list_vms).

Usage: pyvmomi_list.py URL USER PASSWORD   (https URLs are not verified: benchmarks only)
"""

import ssl
import sys
import urllib.parse

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl


def main():
    url, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    parsed = urllib.parse.urlparse(url)
    context = ssl._create_unverified_context() if parsed.scheme == "https" else None
    si = SmartConnect(
        host=parsed.hostname,
        port=parsed.port or (443 if parsed.scheme == "https" else 80),
        protocol=parsed.scheme,
        user=user,
        pwd=password,
        sslContext=context,
    )
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        traversal = vmodl.query.PropertyCollector.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView
        )
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[
                vmodl.query.PropertyCollector.PropertySpec(
                    type=vim.VirtualMachine, pathSet=["name", "runtime.powerState"]
                )
            ],
        )
        collector = content.propertyCollector
        rows = []
        result = collector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
        while result is not None:
            for obj in result.objects:
                props = {p.name: p.val for p in obj.propSet}
                rows.append((props.get("name"), str(props.get("runtime.powerState"))))
            if not result.token:
                break
            result = collector.ContinueRetrievePropertiesEx(result.token)
        view.DestroyView()
        rows.sort()
        out = "".join(f"{name}\t{state}\n" for name, state in rows)
        sys.stdout.write(out + f"{len(rows)} VMs\n")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
