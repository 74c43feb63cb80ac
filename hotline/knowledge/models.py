"""Knowledge articles (知识库) operators answer from on the spot."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime


class ArticleBase(SQLModel):
    title: str = Field(max_length=200)
    body: str = Field(max_length=20000)
    keywords: str = Field(default="", max_length=500, description="space-separated search terms")
    owner_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    expires_on: date | None = None


class ArticleCreate(ArticleBase):
    pass


class Article(ArticleBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ArticlePublic(ArticleBase):
    id: int
    updated_at: datetime
