"""The pyvmomi peer of the list_vms benchmark: name and power state of every VM through one
ContainerView and RetrievePropertiesEx pages, the same requests the Rust client makes.

Usage: list_vms_pyvmomi.py URL USER PASSWORD PAGE_SIZE
Prints one line: `vms=N seconds=S` (the listing only, after login, like the Rust side).
"""

import ssl
import sys
import time
import urllib.parse

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl


def main():
    url, user, password, page_size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
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
        start = time.perf_counter()
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
        options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
        rows = []
        result = collector.RetrievePropertiesEx([spec], options)
        while result is not None:
            for obj in result.objects:
                props = {p.name: p.val for p in obj.propSet}
                rows.append((props.get("name"), str(props.get("runtime.powerState"))))
            if not result.token:
                break
            result = collector.ContinueRetrievePropertiesEx(result.token)
        rows.sort()
        view.DestroyView()
        elapsed = time.perf_counter() - start
        print(f"vms={len(rows)} seconds={elapsed:.4f}")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
