"""A small, strict pets API: the live target generated suites must pass against.

Strict on purpose (unknown fields, types, bounds, enums and missing fields are 4xx), so
that a generated "valid" request that is not valid fails loudly. Its own OpenAPI
document (FastAPI, 3.1) and the hand-written ones in tests/data/openapi/ describe it.

Not the pets target of the other tests (tests/support/pets_target.py) on purpose: this
one is a different, larger API (owners, visits, photos as multipart, a form login, a
required header, enums and bounds) whose point is its document, a generator's input;
pets_target.py is a small, fast stdlib server whose point is what a test can make it do
while it runs. Served with tests.support.live_server.LiveServer.
"""

from __future__ import annotations

import itertools
from email import policy
from email.parser import BytesParser
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

Status = Literal["available", "pending", "sold"]


class PetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)
    tag: str | None = None
    status: Status = "available"
    age: int | None = Field(default=None, ge=0, le=30)


class Pet(PetIn):
    id: int


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class Owner(OwnerIn):
    id: int


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class Visit(VisitIn):
    id: int
    ownerId: int


class Stats(BaseModel):
    period: Literal["day", "week"]
    pets: int


class Token(BaseModel):
    token: str


class Photo(BaseModel):
    petId: int
    caption: str
    bytes: int


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such resource"}}
_FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "minLength": 1},
                        "password": {"type": "string", "format": "password", "minLength": 1},
                    },
                }
            }
        },
    }
}
_MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["caption"],
                    "properties": {
                        "caption": {"type": "string", "minLength": 1, "maxLength": 80},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


def create_app(*, forget_updates: bool = False) -> FastAPI:
    """A fresh app with empty in-memory stores. ``forget_updates`` plants a bug: PUT
    answers as if it stored the pet, but keeps the old one."""
    app = FastAPI(title="Pets", version="1.0.0")
    ids = itertools.count(1)
    pets: dict[int, Pet] = {}
    owners: dict[int, Owner] = {}
    visits: dict[int, Visit] = {}

    def pet_or_404(pet_id: int) -> Pet:
        if pet_id not in pets:
            raise HTTPException(404, "no such pet")
        return pets[pet_id]

    @app.post("/pets", status_code=201, response_model=Pet, operation_id="createPet")
    def create_pet(body: PetIn) -> Pet:
        pet = Pet(id=next(ids), **body.model_dump())
        pets[pet.id] = pet
        return pet

    @app.get("/pets", response_model=list[Pet], operation_id="listPets")
    def list_pets(limit: int = Query(20, ge=1, le=100), status: Status | None = None) -> list[Pet]:
        found = [p for p in pets.values() if status is None or p.status == status]
        return found[:limit]

    @app.get("/pets/{petId}", response_model=Pet, responses=_NOT_FOUND, operation_id="getPet")
    def get_pet(petId: int) -> Pet:
        return pet_or_404(petId)

    @app.put("/pets/{petId}", response_model=Pet, responses=_NOT_FOUND, operation_id="updatePet")
    def update_pet(petId: int, body: PetIn) -> Pet:
        pet_or_404(petId)
        updated = Pet(id=petId, **body.model_dump())
        if not forget_updates:
            pets[petId] = updated
        return updated

    @app.delete("/pets/{petId}", status_code=204, responses=_NOT_FOUND, operation_id="deletePet")
    def delete_pet(petId: int) -> Response:
        pet_or_404(petId)
        del pets[petId]
        return Response(status_code=204)

    @app.post(
        "/pets/{petId}/photos",
        status_code=201,
        response_model=Photo,
        responses=_NOT_FOUND,
        openapi_extra=_MULTIPART_BODY,
        operation_id="addPhoto",
    )
    async def add_photo(petId: int, request: Request) -> Photo:
        pet_or_404(petId)
        fields = _multipart(request.headers.get("content-type", ""), await request.body())
        caption = fields.get("caption", b"").decode()
        if not 1 <= len(caption) <= 80:
            raise HTTPException(400, "caption: 1 to 80 characters")
        return Photo(petId=petId, caption=caption, bytes=len(fields.get("file", b"")))

    @app.post("/owners", status_code=201, response_model=Owner, operation_id="createOwner")
    def create_owner(body: OwnerIn) -> Owner:
        owner = Owner(id=next(ids), **body.model_dump())
        owners[owner.id] = owner
        return owner

    @app.get("/owners/{ownerId}", response_model=Owner, responses=_NOT_FOUND)
    def get_owner(ownerId: int) -> Owner:
        if ownerId not in owners:
            raise HTTPException(404, "no such owner")
        return owners[ownerId]

    @app.delete("/owners/{ownerId}", status_code=204, responses=_NOT_FOUND)
    def delete_owner(ownerId: int) -> Response:
        if owners.pop(ownerId, None) is None:
            raise HTTPException(404, "no such owner")
        return Response(status_code=204)

    @app.post("/owners/{ownerId}/visits", status_code=201, response_model=Visit,
              responses=_NOT_FOUND)  # fmt: skip
    def create_visit(ownerId: int, body: VisitIn) -> Visit:
        get_owner(ownerId)
        visit = Visit(id=next(ids), ownerId=ownerId, **body.model_dump())
        visits[visit.id] = visit
        return visit

    @app.get("/owners/{ownerId}/visits/{visitId}", response_model=Visit, responses=_NOT_FOUND)
    def get_visit(ownerId: int, visitId: int) -> Visit:
        visit = visits.get(visitId)
        if visit is None or visit.ownerId != ownerId:
            raise HTTPException(404, "no such visit")
        return visit

    @app.delete("/owners/{ownerId}/visits/{visitId}", status_code=204, responses=_NOT_FOUND)
    def delete_visit(ownerId: int, visitId: int) -> Response:
        get_visit(ownerId, visitId)
        del visits[visitId]
        return Response(status_code=204)

    @app.get("/stats", response_model=Stats)
    def stats(period: Literal["day", "week"], x_client: str = Header(alias="X-Client")) -> Stats:
        return Stats(period=period, pets=len(pets))

    @app.post("/login", response_model=Token, responses={400: {"description": "Bad form"}},
              openapi_extra=_FORM_BODY)  # fmt: skip
    async def login(request: Request) -> Token:
        form = parse_qs((await request.body()).decode())
        if not form.get("username") or not form.get("password"):
            raise HTTPException(400, "username and password are required")
        return Token(token="t-" + form["username"][0])

    return app


def openapi_document() -> dict[str, Any]:
    """The app's own OpenAPI document (FastAPI's, 3.1): it describes the app truthfully."""
    return create_app().openapi()


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    out: dict[str, bytes] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            out[name] = payload if isinstance(payload, bytes) else b""
    return out
