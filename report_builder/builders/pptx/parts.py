"""The deck's python-pptx package: new part names and reused images found from an index of its parts."""
from __future__ import annotations

from typing import IO

from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import PackURI
from pptx.package import Package
from pptx.parts.image import Image, ImagePart

IMAGE_PREFIX = "/ppt/media/image"


class DeckPackage(Package):
    """python-pptx's Package (1.0) for a deck under construction, with the same answers found faster.

    For every part it adds, python-pptx walks every relationship of the package: to name it (next_partname,
    next_image_partname) and to find an image to reuse (get_or_add_image_part), which makes a deck quadratic in
    its parts. Here one walk indexes the names and images, and the index is kept up to date as parts are added.
    Its answers are the walk's because a deck under construction only adds parts, each named through these
    methods (or with a name they never hand out, such as a slide's) and related as soon as it is made.
    forget_parts() must be called when parts may have become unreachable (a slide taken out): the next answer
    walks again."""

    _names: dict[str, set[str]] | None = None  #: prefix -> names of the reachable parts that start with it
    _image_numbers: list[int] | None = None  #: PackURI.idx of the reachable /ppt/media/image parts
    _images: dict[str, ImagePart] | None = None  #: SHA-1 -> first image part related as an image

    def forget_parts(self) -> None:
        self._names = self._image_numbers = self._images = None

    def next_partname(self, tmpl: str) -> PackURI:
        return self._named(self.free_partname(tmpl))

    def next_image_partname(self, ext: str) -> PackURI:
        return self._named(self.free_image_partname(ext))

    def free_partname(self, tmpl: str) -> PackURI:
        """python-pptx's next_partname: the highest free number not above one more than the parts named so."""
        prefix = tmpl[: (tmpl % 42).find("42")]
        if self._names is None:
            self._names = {}
        if prefix not in self._names:
            self._names[prefix] = {part.partname for part in self.iter_parts() if part.partname.startswith(prefix)}
        names = self._names[prefix]
        for n in range(len(names) + 1, 0, -1):
            if tmpl % n not in names:
                return PackURI(tmpl % n)
        raise AssertionError("no free part name")  # unreachable: only len(names) of the candidates can be taken

    def free_image_partname(self, ext: str) -> PackURI:
        """python-pptx's next_image_partname: the first free image number."""
        if self._image_numbers is None:
            self._image_numbers = [part.partname.idx for part in self.iter_parts()
                                   if part.partname.startswith(IMAGE_PREFIX) and part.partname.idx is not None]
        numbers = sorted(self._image_numbers)
        free = next((i + 1 for i, n in enumerate(numbers) if i + 1 < n), len(numbers) + 1)
        return PackURI("%s%d.%s" % (IMAGE_PREFIX, free, ext))

    def get_or_add_image_part(self, image_file: str | IO[bytes]) -> ImagePart:
        """As python-pptx's: the image part of the same bytes (the first the relationships reach), else a new one.
        The caller relates the new part as an image (SlidePart.get_or_add_image_part)."""
        if self._images is None:
            self._images = {}
            for rel in self.iter_rels():
                if not rel.is_external and rel.reltype == RT.IMAGE and hasattr(rel.target_part, "sha1"):
                    self._images.setdefault(rel.target_part.sha1, rel.target_part)
        image = Image.from_file(image_file)
        part = self._images.get(image.sha1)
        if part is None:
            part = self._images[image.sha1] = ImagePart.new(self, image)
        return part

    def _named(self, partname: PackURI) -> PackURI:
        """Record a name handed out (python-pptx makes and relates its part right after)."""
        for prefix, names in (self._names or {}).items():
            if partname.startswith(prefix):
                names.add(partname)
        if self._image_numbers is not None and partname.startswith(IMAGE_PREFIX) and partname.idx is not None:
            self._image_numbers.append(partname.idx)
        return partname


def open_presentation(pptx: IO[bytes]):
    """pptx.Presentation(pptx), on a DeckPackage."""
    from pptx.api import _is_pptx_package

    presentation_part = DeckPackage.open(pptx).main_document_part
    if not _is_pptx_package(presentation_part):
        tmpl = "file '%s' is not a PowerPoint file, content type is '%s'"
        raise ValueError(tmpl % (pptx, presentation_part.content_type))
    return presentation_part.presentation
